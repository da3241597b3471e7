"""`ferguard analyze`: outputs per input, JSON schema, bad inputs, name collisions, determinism, video, sweep."""
import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE1 = REPO / "tests/data/golden/faceapi/pixels/sample1.png"
FACEAPI = pathlib.Path(os.environ.get("FERGUARD_MODELS", REPO / "assets" / "faceapi" / "model"))
GRAPH = REPO / "assets" / "human" / "models"
pytestmark = pytest.mark.skipif(
    not (FACEAPI / "ssd_mobilenetv1_model-weights_manifest.json").exists() or not (GRAPH / "faceres.json").exists(),
    reason="models absent: run scripts/fetch_models.sh (make test fetches them)")

# Fast and deterministic: a baseline method, one auditor, no second model, times written as 0.
FAST = ["--method", "blur", "--auditors", "faceres", "--second-expression-model", "", "--threads", "2",
        "--no-timing", "--quiet"]


def run(cli, *args, timeout=300):
    return subprocess.run([cli, "analyze", *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def small_sample():
    """sample1 at half size (960x640, three faces) as a numpy array."""
    return np.ascontiguousarray(ferguard.read_image(str(SAMPLE1))[::2, ::2])


def leftovers(folder):
    return [p.name for p in pathlib.Path(folder).rglob("*") if ".partial" in p.name or ".tmp" in p.name]


def test_folder_outputs_and_schema(cli, tmp_path, small_sample):
    inputs = tmp_path / "in"
    inputs.mkdir()
    ferguard.write_image(str(inputs / "people.png"), small_sample)
    ferguard.write_image(str(inputs / "empty.png"), np.full((40, 60, 3), 128, np.uint8))
    (inputs / "notes.txt").write_text("not an image: ignored in folders")
    r = run(cli, inputs, "--out", tmp_path / "out", *FAST)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    for stem, shape in (("people", small_sample.shape), ("empty", (40, 60, 3))):
        assert ferguard.read_image(str(out / f"{stem}.private.png")).shape == shape
        assert ferguard.read_image(str(out / f"{stem}.annotated.png")).shape == shape
    report = json.loads((out / "people.json").read_text())
    assert report["schema"] == "ferguard.analysis/2"
    assert report["input"] == "people.png"
    assert report["image"] == {"width": 960, "height": 640}
    assert report["method"] == "blur" and report["auditors"] == ["faceres"]
    assert len(report["faces"]) == 3
    for face in report["faces"]:
        assert len(face["landmarks"]) == 68 and len(face["landmarks"][0]) == 2
        assert face["seconds"] == 0  # --no-timing
        if face["status"] == "privatized":
            assert set(face["expression"]["probabilities"]) == set(ferguard.expression_names())
            assert [a["auditor"] for a in face["audits"]] == ["faceres"]
            assert "original_embedding" not in face["audits"][0]
    assert json.loads((out / "empty.json").read_text())["faces"] == []
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == "ferguard.summary/2"
    assert summary["faces"] == 3 and summary["errors"] == []
    assert [a["auditor"] for a in summary["auditor_summaries"]] == ["faceres"]
    assert "TARGET" in r.stdout and "face (headline)" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{s}.{k}" for s in ("people", "empty") for k in ("private.png", "annotated.png", "json")] +
        ["contact_sheet.png", "summary.json"])
    # Original | published, one 128 x 2 row per face.
    assert ferguard.read_image(str(out / "contact_sheet.png")).shape == (3 * (128 + 4), 2 * 128 + 16, 3)
    assert leftovers(tmp_path) == []


def test_bad_inputs_are_reported_and_the_rest_continue(cli, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    ferguard.write_image(str(inputs / "good.png"), np.full((32, 48, 3), 90, np.uint8))
    (inputs / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    (inputs / "broken.mp4").write_bytes(b"not a video at all")
    r = run(cli, inputs, tmp_path / "missing.jpg", "--out", tmp_path / "out", *FAST)
    assert r.returncode == 1
    for name in ("corrupt.png", "broken.mp4", "missing.jpg"):
        assert name in r.stderr
    out = tmp_path / "out"
    assert (out / "good.private.png").exists() and (out / "good.json").exists()
    assert not any(p.name.startswith(("corrupt.", "broken.")) for p in out.iterdir())
    summary = json.loads((out / "summary.json").read_text())
    failed = sorted(pathlib.Path(e["input"]).name for e in summary["errors"])
    assert failed == ["broken.mp4", "corrupt.png", "missing.jpg"]
    assert leftovers(tmp_path) == []


def test_baselines_may_be_audited_by_any_recogniser(cli, tmp_path):
    # Controllers steer only the ferguard method, so a baseline may be audited by faceapi too.
    ferguard.write_image(str(tmp_path / "p.png"), np.zeros((16, 16, 3), np.uint8))
    r = run(cli, tmp_path / "p.png", "--out", tmp_path / "out", "--method", "pixelate", "--auditors", "faceapi",
            "--second-expression-model", "", "--quiet")
    assert r.returncode == 0, r.stderr


def test_name_collisions_do_not_overwrite(cli, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    ferguard.write_image(str(inputs / "a.png"), np.full((20, 30, 3), 10, np.uint8))
    ferguard.write_image(str(inputs / "a.jpg"), np.full((24, 36, 3), 200, np.uint8))
    r = run(cli, inputs, "--out", tmp_path / "out", *FAST)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    assert ferguard.read_image(str(out / "a.png.private.png")).shape == (20, 30, 3)
    assert ferguard.read_image(str(out / "a.jpg.private.png")).shape == (24, 36, 3)
    assert json.loads((out / "a.jpg.json").read_text())["input"] == "a.jpg"
    assert not (out / "a.private.png").exists()


def test_same_options_same_bytes(cli, tmp_path, small_sample):
    ferguard.write_image(str(tmp_path / "p.png"), small_sample)
    for k in (1, 2):
        r = run(cli, tmp_path / "p.png", "--out", tmp_path / f"out{k}", *FAST, "--seed", "3")
        assert r.returncode == 0, r.stderr
    for name in ("p.private.png", "p.json", "p.annotated.png", "summary.json"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes(), name


def test_adversarial_method_is_deterministic(cli, tmp_path, small_sample):
    ferguard.write_image(str(tmp_path / "p.png"), np.ascontiguousarray(small_sample[::2, ::2]))
    args = ["--method", "ferguard", "--preset", "fast", "--auditors", "faceres", "--second-expression-model", "",
            "--threads", "2", "--no-timing", "--quiet", "--seed", "5"]
    for k in (1, 2):
        r = run(cli, tmp_path / "p.png", "--out", tmp_path / f"out{k}", *args)
        assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out1" / "p.json").read_text())
    assert report["method"] == "adversarial" and report["controllers"] == ["faceapi", "mobileface"]
    assert len(report["faces"]) == 3
    for name in ("p.private.png", "p.json"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes(), name


def test_embeddings_only_on_request(cli, tmp_path, small_sample):
    ferguard.write_image(str(tmp_path / "p.png"), small_sample)
    r = run(cli, tmp_path / "p.png", "--out", tmp_path / "out", *FAST, "--embeddings")
    assert r.returncode == 0, r.stderr
    faces = json.loads((tmp_path / "out" / "p.json").read_text())["faces"]
    audits = [a for f in faces for a in f["audits"]]
    assert audits and all(len(a["original_embedding"]) == len(a["private_embedding"]) > 0 for a in audits)


def test_video_frames_and_tracks(cli, tmp_path, small_sample):
    video = tmp_path / "clip.mp4"
    frame = np.ascontiguousarray(small_sample[::2, ::2])  # 480x320: the three faces are still found
    with ferguard.VideoWriter(video, frame.shape[1], frame.shape[0], fps=5) as w:
        for i in range(5):
            w.write(np.roll(frame, 2 * i, axis=1))
    r = run(cli, video, "--out", tmp_path / "out", *FAST)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    for name in ("clip.private.mp4", "clip.annotated.mp4"):
        v = ferguard.VideoReader(out / name)
        assert (v.width, v.height) == (480, 320)
        assert abs(v.fps - 5) < 1e-6
        assert len(list(v)) == 5
    report = json.loads((out / "clip.json").read_text())
    assert report["schema"] == "ferguard.video/2"
    assert report["video"]["width"] == 480
    assert [f["frame"] for f in report["frames"]] == list(range(5))
    tracks = [sorted(face["track"] for face in f["faces"]) for f in report["frames"]]
    assert all(len(t) == 3 for t in tracks)
    assert all(t >= 0 for t in tracks[0])
    assert all(t == tracks[0] for t in tracks)  # the same three people keep their ids
    summary = json.loads((out / "summary.json").read_text())
    assert summary["faces"] == 3  # one record per track
    assert leftovers(tmp_path) == []
    r = run(cli, video, "--out", tmp_path / "out2", *FAST, "--max-frames", "2")
    assert r.returncode == 0, r.stderr
    assert len(json.loads((tmp_path / "out2" / "clip.json").read_text())["frames"]) == 2


def test_sweep_writes_curve_and_no_per_image_files(cli, tmp_path, small_sample):
    ferguard.write_image(str(tmp_path / "p.png"), small_sample)
    r = run(cli, tmp_path / "p.png", "--out", tmp_path / "out", *FAST, "--sweep", "--sweep-methods", "blur,pixelate",
            "--sweep-strengths", "0,1")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["sweep.json", "sweep_faceres.png"]
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["schema"] == "ferguard.sweep/2"
    assert [(p["method"], p["strength"]) for p in sweep["points"]] == [
        ("blur", 0), ("blur", 1), ("pixelate", 0), ("pixelate", 1)]
    assert all(p["faces"] == 3 for p in sweep["points"])
    assert ferguard.read_image(str(out / "sweep_faceres.png")).shape == (600, 800, 3)
    assert "pixelate" in r.stdout and "R1 faceres" in r.stdout


@pytest.mark.parametrize("args, flag", [
    (["--strength-low", "1.5"], "--strength-low"),
    (["--method", "sparkle"], "--method"),
    (["--method", "adversarial", "--auditors", "faceapi"], "--auditors"),  # also a controller of that method
    (["--auditors", "nobody"], "--auditors"),
    (["--preset", "slowest"], "--preset"),
    (["--sweep", "--sweep-strengths", "0,abc"], "--sweep-strengths"),
    (["--expression-model", "tea-leaves"], "--expression-model"),
])
def test_bad_options_name_the_flag(cli, tmp_path, args, flag):
    ferguard.write_image(str(tmp_path / "p.png"), np.zeros((8, 8, 3), np.uint8))
    r = run(cli, tmp_path / "p.png", "--out", tmp_path / "out", "--quiet", *args)
    assert r.returncode == 2  # a usage error, like CLI11's own
    assert r.stderr.startswith("ferguard: error: ") and flag in r.stderr
