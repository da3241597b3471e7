"""Binding contracts of ferguard.Pipeline / summarize / VideoReader / VideoWriter: types, shapes, errors."""
import json
import os
import pathlib
import threading

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE1 = REPO / "tests/data/golden/faceapi/pixels/sample1.png"
FACEAPI = pathlib.Path(os.environ.get("FERGUARD_MODELS", REPO / "assets" / "faceapi" / "model"))
GRAPH = REPO / "assets" / "human" / "models"
needs_models = pytest.mark.skipif(
    not (FACEAPI / "ssd_mobilenetv1_model-weights_manifest.json").exists() or not (GRAPH / "faceres.json").exists(),
    reason="models absent: run scripts/fetch_models.sh (make test fetches them)")


@pytest.fixture(scope="module")
def blur():
    return ferguard.Pipeline(method="blur", strength_low=0.8, strength_high=0.8, auditors=["faceres"],
                             second_expression_model="", threads=2)


@pytest.fixture(scope="module")
def sample1():
    # Half size: the same three faces, four times fewer pixels to privatize.
    return np.ascontiguousarray(ferguard.read_image(str(SAMPLE1))[::2, ::2])


@needs_models
def test_info_names_what_runs(blur):
    info = blur.info
    assert info["method"] == "blur"
    assert info["auditors"] == ["faceres"]
    assert "faceres" not in info["controllers"]
    assert info["expression_model"] == "faceapi"
    assert info["second_expression_model"] == ""


@needs_models
@pytest.mark.parametrize("array, what", [
    (np.zeros((32, 32), np.uint8), "shape 32x32"),
    (np.zeros((32, 32, 3), np.float32), "dtype float32"),
    (np.zeros((32, 32, 4), np.uint8), "shape 32x32x4"),
])
def test_bad_arrays_are_value_errors_naming_the_input(blur, array, what):
    with pytest.raises(ValueError, match="image") as e:
        blur.analyze(array)
    assert what in str(e.value)
    assert isinstance(e.value, ferguard.InvalidArgument)


@needs_models
def test_image_without_faces_comes_back_unchanged(blur):
    image = np.full((96, 128, 3), 90, np.uint8)
    image[40:60, 50:80] = 200
    r = blur.analyze(image)
    assert len(r) == 0 and r.faces == []
    out = r.private_image
    assert out.dtype == np.uint8 and out.shape == image.shape
    np.testing.assert_array_equal(out, image)
    assert ferguard.summarize([r])["faces"] == 0


@needs_models
def test_blur_on_sample1(blur, sample1):
    r = blur.analyze(sample1)
    assert len(r.faces) == 3
    out = r.private_image
    assert out.dtype == np.uint8 and out.shape == sample1.shape
    for f in r.faces:
        assert set(f) >= {"box", "score", "landmarks", "track", "status", "reason", "expression",
                          "original_expression", "second_expression", "audits", "leakage", "seconds"}
        assert f["landmarks"].shape == (68, 2) and f["landmarks"].dtype == np.float32
        assert f["track"] == -1
        assert f["status"] in ("privatized", "masked")
        assert f["second_expression"] is None  # second_expression_model=""
        if f["status"] == "masked":
            assert f["expression"] is None and f["audits"] == [] and f["reason"]
            continue
        probs = f["expression"]["probabilities"]
        assert list(probs) == ferguard.expression_names()
        assert abs(sum(probs.values()) - 1.0) < 1e-3
        assert f["expression"]["label"] == max(probs, key=probs.get)
        assert [a["auditor"] for a in f["audits"]] == ["faceres"]
        a = f["audits"][0]
        assert "original_embedding" not in a and "private_embedding" not in a
        assert a["match"] == (a["distance"] <= a["threshold"])
        assert 0.0 <= a["leakage"] <= 1.0 and f["leakage"] == pytest.approx(a["leakage"])
        # The face changed in the output.
        x, y, w, h = (int(v) for v in f["box"])
        box = (slice(max(y, 0), y + h), slice(max(x, 0), x + w))
        assert np.abs(out[box].astype(int) - sample1[box].astype(int)).mean() > 1.0
    s = ferguard.summarize([r])
    assert s["faces"] == 3
    assert [a["auditor"] for a in s["auditors"]] == ["faceres"]
    assert s["second_agreement"] is None and s["models_agree_on_originals"] is None
    assert 0.0 <= s["agreement"] <= 1.0
    report = json.loads(blur.to_json(r, input="sample1.png"))
    assert report["schema"] == "ferguard.analysis/2" and len(report["faces"]) == 3
    annotated = r.annotated()
    assert annotated.shape == out.shape and not np.array_equal(annotated, out)


@needs_models
def test_embeddings_only_on_request(sample1):
    p = ferguard.Pipeline(method="blur", auditors=["faceres"], second_expression_model="", embeddings=True)
    r = p.analyze(sample1)
    audits = [a for f in r.faces for a in f["audits"]]
    assert audits, "expected privatized faces"
    for a in audits:
        assert a["original_embedding"].dtype == np.float32 and a["original_embedding"].ndim == 1
        assert a["private_embedding"].shape == a["original_embedding"].shape
    assert "original_embedding" in p.to_json(r)


@needs_models
def test_analyze_releases_the_gil(blur, sample1):
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.005)

    t = threading.Thread(target=count)
    t.start()
    try:
        blur.analyze(sample1)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 5


@needs_models
def test_option_errors():
    with pytest.raises(ValueError, match="faceres"):
        ferguard.Pipeline(method="ferguard", controllers=["faceres"], auditors=["faceres"])
    with pytest.raises(ValueError, match="sparkle"):
        ferguard.Pipeline(method="sparkle")
    with pytest.raises(ValueError, match="auditors"):
        ferguard.Pipeline(method="blur", auditors="faceres")
    with pytest.raises(ValueError):
        ferguard.Pipeline(method="blur", preset="slowest")
    with pytest.raises(ValueError, match="budget_scale"):
        ferguard.Pipeline(method="blur", budget_scale=0.0)


def test_summarize_rejects_other_objects():
    with pytest.raises(ValueError, match="AnalysisResult"):
        ferguard.summarize([1])
    assert ferguard.summarize([])["faces"] == 0


def test_video_round_trip_and_errors(tmp_path):
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(5)]
    with ferguard.VideoWriter(tmp_path / "v.mp4", 64, 48, fps=10) as w:
        for f in frames:
            w.write(f)
    r = ferguard.VideoReader(tmp_path / "v.mp4")
    assert (r.width, r.height, r.frame_count) == (64, 48, 5)
    back = list(r)
    assert len(back) == 5 and back[0].shape == (48, 64, 3) and back[0].dtype == np.uint8
    assert abs(int(back[3][20, 30, 0]) - 60) < 10
    with pytest.raises(RuntimeError):
        with ferguard.VideoWriter(tmp_path / "w.mp4", 64, 48) as w:
            w.write(frames[0])
            raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]  # no partial file
    with pytest.raises(OSError, match="missing.mp4"):
        ferguard.VideoReader(tmp_path / "missing.mp4")
    with pytest.raises(ValueError):
        ferguard.VideoWriter(tmp_path / "x.mp4", 64, 48).write(np.zeros((10, 10, 3), np.uint8))


@needs_models
def test_video_analyzer_tracks_faces_between_detections(blur, sample1):
    video = ferguard.VideoAnalyzer(blur, detect_every=3)
    first = video.next(sample1)
    assert len(first) == 3
    tracks = sorted(f["track"] for f in first.faces)
    assert tracks == [0, 1, 2]
    # The picture moves 4 pixels a frame: followed frames and a detection frame continue the same tracks, and the
    # followed landmarks move with the picture.
    for k in range(1, 5):
        frame = np.ascontiguousarray(np.roll(sample1, 4 * k, axis=1))
        r = video.next(frame)
        assert sorted(f["track"] for f in r.faces) == tracks, f"frame {k}"
        for f in r.faces:
            f0 = next(g for g in first.faces if g["track"] == f["track"])
            shift = (f["landmarks"] - f0["landmarks"]).mean(axis=0)
            assert abs(shift[0] - 4 * k) < 2.0 and abs(shift[1]) < 2.0, (k, f["track"], shift)
            assert f["status"] == "privatized"
        assert not np.array_equal(r.private_image, frame)
    # A still picture gives the same bytes on followed frames.
    still = ferguard.VideoAnalyzer(blur)
    a, b = still.next(sample1), still.next(sample1)
    assert np.array_equal(a.private_image, b.private_image)
    with pytest.raises(ValueError, match="detect_every"):
        ferguard.VideoAnalyzer(blur, detect_every=0)
    with pytest.raises(ValueError, match="frame"):
        still.next(np.zeros((4, 4), np.uint8))


def test_video_analyzer_option_errors():
    with pytest.raises(ValueError, match="Pipeline"):
        ferguard.VideoAnalyzer("not a pipeline")


@needs_models
def test_the_two_models_agreement_on_the_originals_is_the_reference(sample1):
    p = ferguard.Pipeline(method="blur", auditors=["faceres"], threads=2)  # the independent model runs by default
    r = p.analyze(sample1)
    rated = [f for f in r.faces if f["status"] == "privatized"]
    assert rated
    same = [f["original_expression"]["label"] == f["second_original_expression"]["label"] for f in rated]
    s = ferguard.summarize([r])
    assert s["models_agree_on_originals"] == pytest.approx(sum(same) / len(same))
    assert s["second_agreement"] is not None
