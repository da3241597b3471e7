"""Binding contracts of Recognizer / ExpressionModel: shapes, dtypes, errors, crops (skips without models)."""
import json
import pathlib

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
GRAPH = REPO / "assets" / "human" / "models" / "faceres.json"
needs_models = pytest.mark.skipif(not GRAPH.exists(), reason="models absent: run scripts/fetch_models.sh")


def sample1_face0():
    image = ferguard.read_image(str(REPO / "tests/data/golden/faceapi/pixels/sample1.png"))
    golden = json.loads((REPO / "tests/data/golden/faceapi/pipeline/sample1.json").read_text())
    return image, np.array(golden["faces"][0]["landmarks"], dtype=np.float32)


@needs_models
def test_recognizers_embed_batches_and_match_goldens():
    image, landmarks = sample1_face0()
    golden = json.loads((REPO / "tests/data/golden/graph/faces/faceres_sample1.json").read_text())["faces"][0]
    rec = ferguard.Recognizer("faceres")
    rect = rec.crop_rect(landmarks, image.shape[1], image.shape[0])
    assert rect == (golden["crop"]["x"], golden["crop"]["y"], golden["crop"]["width"], golden["crop"]["height"])
    crop = ferguard.crop(image, rect)
    e = rec.embed(np.stack([crop, crop[:, ::-1]]))
    assert e.shape == (2, 1024) and e.dtype == np.float32
    np.testing.assert_allclose(e[0], golden["output"], atol=1e-4)
    assert rec.distance(e[0].tolist(), e[1].tolist()) < rec.threshold  # a face and its mirror image
    assert rec.distance_kind == "euclidean" and rec.dim == 1024
    # A list of crops of different sizes is accepted too.
    assert ferguard.Recognizer("mobileface").embed([crop, crop[10:, 5:]]).shape == (2, 256)


@needs_models
def test_expression_models_return_probabilities_in_ferguard_order():
    image, landmarks = sample1_face0()
    for name in ferguard.EXPRESSION_MODELS:
        model = ferguard.ExpressionModel(name)
        crop = ferguard.crop(image, model.crop_rect(landmarks, image.shape[1], image.shape[0]))
        p = model.predict([crop])
        assert p.shape == (1, 7) and p.dtype == np.float32
        assert abs(float(p.sum()) - 1.0) < 1e-4
    assert ferguard.EXPRESSIONS[0] == "neutral"


def test_bad_names_and_crops_raise_value_error():
    with pytest.raises(ValueError, match="arcface"):
        ferguard.Recognizer("arcface")
    with pytest.raises(ValueError, match="hsemotion"):
        ferguard.ExpressionModel("hsemotion")
    with pytest.raises(ferguard.ModelError, match="`ferguard models install` fetches them"):
        ferguard.Recognizer("faceres", graph_models="/nonexistent")
    with pytest.raises(ValueError, match="non-empty"):
        ferguard.crop(np.zeros((4, 4, 3), np.uint8), (0, 0, 0, 3))


@needs_models
def test_wrong_crop_dtype_is_value_error():
    rec = ferguard.Recognizer("mobileface")
    with pytest.raises(ValueError, match="uint8"):
        rec.embed(np.zeros((1, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match="ndim"):
        rec.embed(np.zeros((32, 32), np.uint8)[None, None])
