"""The ferguard command line: help, version, split outputs and error reporting."""
import subprocess

import numpy as np

import ferguard


def run(cli, *args):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)


def test_help_and_version(cli):
    r = run(cli, "--help")
    assert r.returncode == 0 and "split" in r.stdout
    r = run(cli, "--version")
    assert r.returncode == 0 and ferguard.__version__ in r.stdout


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
