"""benchmarks/attribute_attackers.py: its geometry and colour helpers, and an end-to-end run whose own check (the
originals against themselves) must find every face, and whose colour attacker finds the blurred faces and not the
masked ones."""
import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPO / "assets" / "faceapi" / "samples"
FACEAPI = pathlib.Path(os.environ.get("FERGUARD_MODELS", REPO / "assets" / "faceapi" / "model"))

spec = importlib.util.spec_from_file_location("attribute_attackers", REPO / "benchmarks" / "attribute_attackers.py")
aa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(aa)


def test_polygon_mask_and_hull_cover_the_polygon():
    square = np.array([[10.0, 10.0], [30.0, 10.0], [30.0, 40.0], [10.0, 40.0], [20.0, 20.0]])
    hull = aa.convex_hull(square)
    assert len(hull) == 4  # the inner point is not on the hull
    mask = aa.polygon_mask(hull, 50, 50)
    assert mask.sum() == 20 * 30
    assert mask[25, 15] and not mask[5, 5] and not mask[45, 25]
    assert aa.polygon_mask(hull[::-1], 50, 50).sum() == 20 * 30  # either orientation


def test_similarity_residual_ignores_similarities_and_sees_shape():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(17, 2)) * 20
    rot = np.array([[np.cos(0.4), -np.sin(0.4)], [np.sin(0.4), np.cos(0.4)]])
    assert aa.similarity_residual(a, 1.7 * a @ rot.T + [5, -9]) < 1e-6
    b = a.copy()
    b[3] += [4.0, 0.0]
    assert aa.similarity_residual(a, b) > 0.1


def test_lab_of_white_grey_and_red():
    lab = aa.srgb_to_lab(np.array([[255.0, 255.0, 255.0], [119.0, 119.0, 119.0], [255.0, 0.0, 0.0]]))
    assert np.allclose(lab[0], [100, 0, 0], atol=0.1)
    assert abs(lab[1, 0] - 50) < 1 and np.allclose(lab[1, 1:], 0, atol=0.1)
    assert lab[2, 1] > 70  # red is far along a*


@pytest.mark.skipif(not (FACEAPI / "ssd_mobilenetv1_model-weights_manifest.json").exists()
                    or not (SAMPLES / "sample1.jpg").exists(), reason="models or samples absent: run make")
def test_end_to_end_colour_finds_blurred_faces_and_not_masked_ones(cli, tmp_path):
    images = tmp_path / "in"
    images.mkdir()
    for n in (1, 2):
        (images / f"sample{n}.jpg").write_bytes((SAMPLES / f"sample{n}.jpg").read_bytes())
    for method in ("mask", "blur"):
        r = subprocess.run([cli, "analyze", str(images), "--out", str(tmp_path / method), "--method", method,
                            "--no-audit", "--quiet"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "attribute_attackers.py"), str(images),
                        str(tmp_path / "mask"), str(tmp_path / "blur")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()}
    assert rows["originals"][-2:] == ["100.0%", "100.0%"]  # the script's own check

    def colour_hits(method):
        row = rows[str(tmp_path / method)]  # output, faces, chance, colour %, (hits/faces), outline %, (hits/faces)
        assert row[1] == "6"
        hits, faces = row[4].strip("()").split("/")
        assert faces == "6"
        return int(hits)

    # A grey mask leaves no colour of the person: at most the one face that chance gives.
    assert colour_hits("mask") <= 1
    # A blurred face keeps its colour: every face is found by it.
    assert colour_hits("blur") == 6
