"""One ferguard.Pipeline shared by a thread pool: analyze() releases the GIL and is safe to call concurrently, and the
concurrent results equal the sequential ones (docs/thread_safety.md)."""
import os
import pathlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPO / "assets" / "faceapi" / "samples"
FACEAPI = pathlib.Path(os.environ.get("FERGUARD_MODELS", REPO / "assets" / "faceapi" / "model"))
GRAPH = REPO / "assets" / "human" / "models"
BANK = REPO / "assets" / "templates" / "samples.fgtb"
needs_assets = pytest.mark.skipif(
    not (FACEAPI / "ssd_mobilenetv1_model-weights_manifest.json").exists() or not (GRAPH / "faceres.json").exists()
    or not BANK.exists() or not (SAMPLES / "sample1.jpg").exists(),
    reason="models, sample photos or template bank absent: run make test")


def outcome(result):
    """What a caller publishes: the image bytes and, per face, status, reason and predicted label."""
    faces = [(f["status"], f["reason"], f["expression"]["label"] if f["expression"] else None) for f in result.faces]
    return result.private_image, faces


@needs_assets
def test_one_pipeline_shared_by_a_thread_pool_gives_the_sequential_results():
    # The default template method, privatize and predict only; half-size photos keep it short.
    p = ferguard.Pipeline(audit=False, compensation_steps=1, template_bank=str(BANK))
    photos = [np.ascontiguousarray(ferguard.read_image(str(SAMPLES / f"sample{i}.jpg"))[::2, ::2]) for i in (1, 2, 3)]
    sequential = [outcome(p.analyze(im)) for im in photos]
    assert sum(len(faces) for _, faces in sequential) >= 6
    jobs = photos * 2  # every photo twice, three at a time
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = [outcome(r) for r in pool.map(p.analyze, jobs)]
    for k, (image, faces) in enumerate(concurrent):
        want_image, want_faces = sequential[k % len(photos)]
        np.testing.assert_array_equal(image, want_image, err_msg=f"job {k}")
        assert faces == want_faces, f"job {k}"


def test_threads_sharing_a_video_writer_and_reader_take_turns(tmp_path):
    # The C++ reader and writer are for one thread at a time and the GIL is released while they work: the Python
    # objects serialise their calls, so threads sharing one take turns (every frame written and read exactly once).
    path = tmp_path / "shared.mp4"
    frames = [np.full((48, 64, 3), 8 * i, np.uint8) for i in range(24)]
    with ferguard.VideoWriter(path, 64, 48, fps=10) as w:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(w.write, frames))
        assert w.frames == len(frames)
    r = ferguard.VideoReader(path)

    def drain(_):
        return sum(1 for _ in r)

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(drain, range(3)))
    assert sum(counts) == len(frames)
