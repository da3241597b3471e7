"""Hostile and careless inputs: each gets a clear, typed error naming it (never a hang, a crash, a stack trace or a
half-written file). One test per row of docs/bad_inputs.md that concerns the CLI or Python."""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE1 = REPO / "tests/data/golden/faceapi/pixels/sample1.png"
GRAPH = REPO / "assets" / "human" / "models"
pytestmark = pytest.mark.skipif(not (GRAPH / "emotion.json").exists(),
                                reason="models absent: run scripts/fetch_models.sh (make test fetches them)")

FAST = ["--method", "blur", "--auditors", "faceres", "--second-expression-model", "", "--threads", "2",
        "--no-timing"]


def analyze(cli, *args, env=None, timeout=300):
    return subprocess.run([cli, "analyze", *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=env)


def leftovers(folder):
    return [p.name for p in pathlib.Path(folder).rglob("*") if ".partial" in p.name or ".tmp" in p.name]


@pytest.fixture(scope="module")
def face_frame():
    """sample1 at a quarter size (480x320, three faces)."""
    return np.ascontiguousarray(ferguard.read_image(str(SAMPLE1))[::4, ::4])


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.mark.parametrize("args, flag", [
    (["--bogus"], "--bogus"),
    (["--steps", "abc"], "--steps"),
    (["--steps", "-3"], "--steps: expected 0..1000, got -3"),
    (["--compensation-steps", "-5"], "--compensation-steps: expected 0..1000, got -5"),
    (["--threads", "100000"], "--threads"),
    (["--detect-every", "0"], "--detect-every: expected 1..1000, got 0"),
    (["--template-controllers", "nobody"], "--template-controllers"),
    (["--method", "blur", "--template-controllers", "faceapi"], "only the template method"),
    (["--template-controllers", "faceapi", "--auditors", "faceapi,faceres"], "also in --template-controllers"),
])
def test_usage_errors_exit_2_with_the_prefix(cli, tmp_path, args, flag):
    r = analyze(cli, tmp_path / "x.png", "--out", tmp_path / "out", *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("ferguard: error: ") and flag in r.stderr
    assert not (tmp_path / "out").exists()  # refused before any work


def test_missing_required_flag_is_a_usage_error(cli, tmp_path):
    r = analyze(cli, tmp_path / "x.png")
    assert r.returncode == 2 and r.stderr.startswith("ferguard: error: ") and "--out" in r.stderr


def test_devices_and_fifos_are_refused_without_reading(cli, tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    os.symlink("/dev/zero", tmp_path / "zero.jpg")
    t0 = time.monotonic()
    r = analyze(cli, "/dev/zero", tmp_path / "pipe.png", tmp_path / "zero.jpg", "--out", tmp_path / "out", *FAST,
                timeout=120)
    assert r.returncode == 1
    assert time.monotonic() - t0 < 100  # no hang on the FIFO, no endless read of /dev/zero
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    errors = {pathlib.Path(e["input"]).name: e["error"] for e in summary["errors"]}
    assert "device" in errors["zero"] and "FIFO" in errors["pipe.png"] and "device" in errors["zero.jpg"]
    with pytest.raises(OSError, match="device"):
        ferguard.read_image("/dev/zero")


def test_unwritable_out_is_found_before_any_work(cli, tmp_path):
    ferguard.write_image(str(tmp_path / "p.png"), np.zeros((8, 8, 3), np.uint8))
    for out in ("/proc/ferguard-out", "/proc"):  # not creatable, not writable (even for root)
        r = analyze(cli, tmp_path / "p.png", "--out", out, *FAST)
        assert r.returncode == 1 and "--out" in r.stderr and out in r.stderr, r.stderr
        assert "[1/1]" not in r.stderr  # nothing was processed


def test_own_outputs_are_skipped_and_stale_temporaries_swept(cli, tmp_path, face_frame):
    folder = tmp_path / "photos"
    folder.mkdir()
    ferguard.write_image(str(folder / "people.png"), face_frame)
    r = analyze(cli, folder, "--out", folder, *FAST)
    assert r.returncode == 0, r.stderr
    stale = folder / f".people.json.{dead_pid()}.AbC123.tmp"
    stale.write_text("left by a killed run")
    r = analyze(cli, folder, "--out", folder, *FAST)
    assert r.returncode == 0, r.stderr
    assert "skipped 3 of ferguard's own output file(s)" in r.stderr  # private, annotated, contact sheet
    assert "removed 1 temporary file(s)" in r.stderr
    assert not stale.exists()
    assert json.loads((folder / "summary.json").read_text())["inputs"] == [str(folder / "people.png")]


def test_sigterm_during_a_video_leaves_no_temporary(cli, tmp_path, face_frame):
    video = tmp_path / "clip.mp4"
    with ferguard.VideoWriter(video, face_frame.shape[1], face_frame.shape[0], fps=5) as w:
        for i in range(60):
            w.write(np.roll(face_frame, i, axis=1))
    out = tmp_path / "out"
    p = subprocess.Popen([cli, "analyze", str(video), "--out", str(out), *FAST, "--quiet"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.exists() and leftovers(out)) and p.poll() is None:
        time.sleep(0.05)
    assert leftovers(out), "the run never started writing"
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    assert p.returncode == -signal.SIGTERM
    assert leftovers(out) == []
    assert not (out / "clip.private.mp4").exists()  # nothing half-written either


def test_a_video_that_breaks_off_is_a_warning_and_exit_1(cli, tmp_path, face_frame):
    full = tmp_path / "full.mkv"
    with ferguard.VideoWriter(full, face_frame.shape[1], face_frame.shape[0], fps=5) as w:
        for i in range(12):
            w.write(np.roll(face_frame, i, axis=1))
    data = full.read_bytes()
    (tmp_path / "cut.mkv").write_bytes(data[: len(data) * 4 // 5])  # the first frames and a broken tail
    out = tmp_path / "out"
    env = dict(os.environ, FERGUARD_PROGRESS_SECONDS="0")
    r = analyze(cli, tmp_path / "cut.mkv", "--out", out, *FAST, env=env)
    assert r.returncode == 1
    report = json.loads((out / "cut.json").read_text())
    assert 1 <= report["frames_read"] < 12 and len(report["frames"]) == report["frames_read"]
    assert "of the 12 frames" in report["warning"]
    summary = json.loads((out / "summary.json").read_text())
    assert "of the 12 frames" in summary["errors"][0]["error"]
    assert (out / "cut.private.mp4").exists()  # the frames read were privatized and published
    assert "@ 0x" not in r.stderr  # no FFmpeg log line
    assert "fps" in r.stderr and "frame 1/12" in r.stderr  # progress lines for logs, not only terminals


def test_a_corrupt_bundled_model_is_a_model_error_naming_the_file(cli, tmp_path, face_frame):
    models = tmp_path / "human"
    shutil.copytree(GRAPH, models)
    size = (models / "emotion.bin").stat().st_size
    (models / "emotion.bin").write_bytes(np.random.default_rng(3).integers(0, 256, size, np.uint8).tobytes())
    ferguard.write_image(str(tmp_path / "p.png"), face_frame)
    env = dict(os.environ, FERGUARD_GRAPH_MODELS=str(models))
    args = [tmp_path / "p.png", "--out", tmp_path / "out", "--method", "blur", "--auditors", "faceres",
            "--second-expression-model", "emotion", "--threads", "2"]
    r = analyze(cli, *args, env=env)
    assert r.returncode == 1
    assert "emotion.bin" in r.stderr and "sha256" in r.stderr
    env["FERGUARD_UNPINNED_MODELS"] = "1"  # then the structural checks must catch it
    r = analyze(cli, *args, env=env)
    assert r.returncode == 1 and "emotion" in r.stderr
    for text in (r.stderr, r.stdout):
        assert "frame #" not in text and "Exception raised from" not in text


def test_python_limits_pixels_and_non_finite_values():
    p = ferguard.Pipeline(method="blur", audit=False, max_pixels=1000)
    with pytest.raises(ValueError, match="exceeds the limit of 1000"):
        p.analyze(np.zeros((40, 30, 3), np.uint8))
    tiny = p.analyze(np.zeros((1, 1, 3), np.uint8))  # 1x1: no face, the pixel comes back as it was
    assert len(tiny.faces) == 0 and tiny.private_image.shape == (1, 1, 3)
    image = np.zeros((8, 8, 3), np.float32)
    image[3, 5, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 5, channel 1"):
        ferguard.split(image)
    with pytest.raises(ValueError, match="threads"):
        ferguard.split(np.zeros((8, 8), np.float32), threads=100000)


def test_expect_faces_fails_closed_on_detector_misses(cli, tmp_path, face_frame):
    folder = tmp_path / "in"
    folder.mkdir()
    ferguard.write_image(str(folder / "three.png"), face_frame)  # the detector finds all three people
    crowd = face_frame.copy()
    crowd[:, crowd.shape[1] // 3:] = 128  # fewer people found than the user says are there
    ferguard.write_image(str(folder / "missed.png"), crowd)
    r = analyze(cli, folder, "--out", tmp_path / "out", *FAST, "--expect-faces", "3")
    assert r.returncode == 1
    out = tmp_path / "out"
    kept = ferguard.read_image(str(out / "three.private.png"))
    assert kept.std() > 10  # published as privatized
    withheld = ferguard.read_image(str(out / "missed.private.png"))
    assert withheld.min() == withheld.max() == 128  # nothing of the picture is published
    summary = json.loads((out / "summary.json").read_text())
    assert [pathlib.Path(e["input"]).name for e in summary["errors"]] == ["missed.png"]
    assert "--expect-faces 3" in summary["errors"][0]["error"]
