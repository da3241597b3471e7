"""Contracts of the Python FaceAnalyzer: types, shapes, values against face-api's goldens, errors, GIL."""
import json
import os
import pathlib
import threading

import numpy as np
import pytest

import ferguard

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden" / "faceapi"
MODELS = pathlib.Path(os.environ.get("FERGUARD_MODELS", ROOT / "assets" / "faceapi" / "model"))
NEEDED = ["ssd_mobilenetv1_model", "face_landmark_68_model", "face_expression_model", "face_recognition_model"]

pytestmark = pytest.mark.skipif(
    not all((MODELS / f"{m}-weights_manifest.json").exists() for m in NEEDED),
    reason=f"face-api weights not found in {MODELS} (run scripts/fetch_models.sh or make test)",
)


@pytest.fixture(scope="module")
def analyzer():
    return ferguard.FaceAnalyzer(models=str(MODELS), threads=2)


@pytest.fixture(scope="module")
def sample1():
    golden = json.loads((GOLDEN / "pipeline" / "sample1.json").read_text())
    return ferguard.read_image(str(GOLDEN / "pixels" / "sample1.png")), golden


def test_detect_matches_golden(analyzer, sample1):
    image, golden = sample1
    faces = analyzer.detect(image)
    assert len(faces) == len(golden["faces"]) == 3
    for face, want in zip(faces, golden["faces"]):
        assert isinstance(face, ferguard.Face)
        box = want["detection"]["box"]
        np.testing.assert_allclose(face.box, (box["x"], box["y"], box["width"], box["height"]), atol=0.5)
        assert abs(face.score - want["detection"]["score"]) < 1e-4
        assert face.landmarks.dtype == np.float32 and face.landmarks.shape == (68, 2)
        np.testing.assert_allclose(face.landmarks, np.array(want["landmarks"]), atol=0.5)


def test_expressions_and_descriptors_match_golden(analyzer, sample1):
    image, golden = sample1
    faces = analyzer.detect(image)
    probs = analyzer.expressions(image, faces)
    assert probs.dtype == np.float32 and probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probs, np.array([f["expressions"] for f in golden["faces"]]), atol=1e-3)
    assert ferguard.expression_names()[int(np.argmax(probs[0]))] == "happy"
    desc = analyzer.descriptors(image, faces)
    assert desc.dtype == np.float32 and desc.shape == (3, 128)
    np.testing.assert_allclose(desc, np.array([f["descriptor"] for f in golden["faces"]]), atol=1e-3)


def test_no_faces_gives_empty_arrays(analyzer):
    image = np.full((120, 160, 3), 128, dtype=np.uint8)
    faces = analyzer.detect(image)
    assert faces == []
    assert analyzer.expressions(image, faces).shape == (0, 7)
    assert analyzer.descriptors(image, faces).shape == (0, 128)


def test_errors(analyzer):
    with pytest.raises(ValueError):
        analyzer.detect(np.zeros((10, 10, 3), dtype=np.float64))
    with pytest.raises(ValueError):
        analyzer.detect(np.zeros((10, 10), dtype=np.uint8))  # grey: the detector needs RGB
    with pytest.raises(ferguard.ModelError, match="fetch_models.sh"):
        ferguard.FaceAnalyzer(models="/nonexistent/ferguard-models")
    with pytest.raises(ValueError):
        ferguard.FaceAnalyzer(models=str(MODELS), min_confidence=1.5)


def test_detect_releases_the_gil(analyzer, sample1):
    image, _ = sample1
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        analyzer.detect(image)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 3
