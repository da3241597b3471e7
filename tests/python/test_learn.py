"""Binding contracts of the learned pipeline: train / evaluate return reports, a trained folder loads
for inference with checked shapes and dtypes, errors map to Python exceptions."""
import numpy as np
import pytest

import ferguard

SPEC = "synth:identities=3,samples=3,size=32"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    report = ferguard.train(out, dataset=SPEC, preset="tiny", threads=1, seed=3)
    return out, report


def test_train_returns_a_report(trained):
    _, report = trained
    assert report["identities"] == 3
    assert report["chance"] == pytest.approx(1 / 3)
    s = report["strengths"][0]
    assert s["strength_low"] == 1.0
    assert 0.0 <= s["attacker_identity_accuracy"] <= 1.0
    clean = report["identity_accuracy_clean"]
    expected = max(0.0, (s["attacker_identity_accuracy"] - 1 / 3) / (clean - 1 / 3)) if clean > 1 / 3 else 0.0
    assert s["leakage"] == pytest.approx(expected)
    assert len(report["fer_clean"]["confusion"]) == 7


def test_evaluate_and_inference(trained):
    out, report = trained
    r = ferguard.evaluate(out, dataset=SPEC, strengths=[0.0])
    assert [s["strength_low"] for s in r["strengths"]] == [1.0, 0.0]
    assert r["fer_clean"]["accuracy"] == pytest.approx(report["fer_clean"]["accuracy"])

    p = ferguard.PrivacyPipeline.load(str(out))
    assert p.image_size == 16
    images = np.random.default_rng(0).integers(0, 256, size=(2, 20, 20, 3), dtype=np.uint8)
    z = p.privatize(images)
    assert z.dtype == np.float32 and z.shape == (2, 16, 16, 3)
    preds = p.predict(images[0])
    assert len(preds) == 1
    label, probs = preds[0]
    assert label in ferguard.EXPRESSIONS
    assert probs.shape == (7,) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert ferguard.EXPRESSIONS[int(np.argmax(probs))] == label


def test_errors():
    with pytest.raises(ValueError):
        ferguard.train("/tmp/never", dataset=SPEC, preset="tiny", no_such_option=1)
    with pytest.raises(ValueError):
        ferguard.train("/tmp/never", dataset=SPEC, preset="huge")
    with pytest.raises(OSError):
        ferguard.PrivacyPipeline.load("/nonexistent/model")
