"""`ferguard templates` and the template method from the CLI and Python: a bank from the user's own donors, k counted
in people, leave-one-photo-out, a corrupt bank refused, privatize-only runs."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPO / "assets" / "faceapi" / "samples"
FACEAPI = pathlib.Path(os.environ.get("FERGUARD_MODELS", REPO / "assets" / "faceapi" / "model"))
GRAPH = REPO / "assets" / "human" / "models"
pytestmark = pytest.mark.skipif(
    not (FACEAPI / "ssd_mobilenetv1_model-weights_manifest.json").exists() or not (GRAPH / "faceres.json").exists()
    or not (SAMPLES / "sample1.jpg").exists(),
    reason="models or sample photos absent: run make (it fetches them)")


def cli_run(cli, *args, timeout=300):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def donors(tmp_path_factory):
    """Three sample photos as donors, and a CSV that names two people among them."""
    d = tmp_path_factory.mktemp("donors")
    for n in (2, 3, 4):
        (d / f"sample{n}.jpg").write_bytes((SAMPLES / f"sample{n}.jpg").read_bytes())
    csv = d.parent / "people.csv"
    csv.write_text("path,identity\nsample2.jpg,ann\nsample3.jpg,ann\nsample4.jpg,bob\n")
    return d, csv


def test_templates_builds_a_bank_and_counts_people(cli, tmp_path, donors):
    folder, csv = donors
    r = cli_run(cli, "templates", folder, "--k", "2", "--threads", "2", "--out", tmp_path / "b.fgtb")
    assert r.returncode == 0, r.stderr
    assert "3 photo(s)" in r.stdout and "3 people" in r.stdout  # without identities each photo is a person
    assert (tmp_path / "b.fgtb").stat().st_size > 10000
    # With identities, k counts people: two people are fewer than k = 3.
    r = cli_run(cli, "templates", folder, "--identities", csv, "--k", "3", "--out", tmp_path / "c.fgtb")
    assert r.returncode == 1
    assert "2 people, fewer than k = 3" in r.stderr
    assert not (tmp_path / "c.fgtb").exists()
    r = cli_run(cli, "templates", folder, "--identities", csv, "--k", "2", "--out", tmp_path / "d.fgtb")
    assert r.returncode == 0, r.stderr
    assert "2 people" in r.stdout


def test_a_photo_among_the_donors_is_privatized_with_the_others_only(cli, tmp_path, donors):
    folder, _ = donors
    bank = tmp_path / "b.fgtb"
    assert cli_run(cli, "templates", folder, "--k", "2", "--threads", "2", "--out", bank).returncode == 0
    # sample3 is a donor: its faces must get templates of sample2's and sample4's faces only.
    r = cli_run(cli, "analyze", folder / "sample3.jpg", "--out", tmp_path / "out", "--template-bank", bank,
                "--auditors", "faceres", "--second-expression-model", "", "--threads", "2", "--quiet", "--no-timing")
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "sample3.json").read_text())
    assert report["method"] == "template" and report["controllers"] == []
    own = len(report["faces"])
    for face in report["faces"]:
        assert face["status"] == "privatized", face["reason"]
        assert face["template"]["people"] == 2  # the two other photos
        assert face["change"] >= 2.0
        assert len(face["published_landmarks"]) == 68
    total = json.loads((tmp_path / "out" / "summary.json").read_text())["faces"]
    assert total == own


def test_a_corrupt_bank_is_refused_before_any_work(cli, tmp_path):
    bad = tmp_path / "bad.fgtb"
    bad.write_bytes(b"FGTBANK\0" + bytes(200))
    r = cli_run(cli, "analyze", SAMPLES / "sample1.jpg", "--out", tmp_path / "out", "--template-bank", bad, "--quiet")
    assert r.returncode == 1
    assert "bad.fgtb" in r.stderr and "checksum" in r.stderr
    with pytest.raises(RuntimeError, match="not found"):
        ferguard.Pipeline(template_bank=str(tmp_path / "missing.fgtb"))


def test_python_privatize_only_publishes_the_same_pixels():
    image = np.ascontiguousarray(ferguard.read_image(str(SAMPLES / "sample1.jpg"))[::2, ::2])
    audited = ferguard.Pipeline(auditors=["faceres"], second_expression_model="", threads=2).analyze(image)
    quick = ferguard.Pipeline(auditors=["faceres"], second_expression_model="", threads=2, audit=False).analyze(image)
    assert np.array_equal(audited.private_image, quick.private_image)
    assert len(quick.faces) == len(audited.faces) > 0
    for a, q in zip(audited.faces, quick.faces):
        assert q["audits"] == [] and q["audit_seconds"] == 0
        assert a["audits"] and a["template_people"] >= 3
        assert q["expression"]["label"] == a["expression"]["label"]


def test_python_builds_a_bank_from_arrays_and_paths(tmp_path):
    arrays = [np.ascontiguousarray(ferguard.read_image(str(SAMPLES / f"sample{n}.jpg"))[::2, ::2]) for n in (2, 3)]
    found = ferguard.build_template_bank(arrays + [str(SAMPLES / "sample4.jpg")], str(tmp_path / "b.fgtb"), k=3,
                                         threads=2)
    assert found["photos"] == 3 and found["faces"] > 0
    assert sum(found["per_expression"].values()) == found["faces"]
    p = ferguard.Pipeline(template_bank=str(tmp_path / "b.fgtb"), auditors=["faceres"], second_expression_model="",
                          audit=False, threads=2)
    r = p.analyze(np.ascontiguousarray(ferguard.read_image(str(SAMPLES / "sample1.jpg"))[::2, ::2]))
    assert all(f["template_people"] == 3 for f in r.faces if f["status"] == "privatized")
    with pytest.raises(ValueError, match="fewer than k"):
        ferguard.build_template_bank(arrays, str(tmp_path / "c.fgtb"), k=2, identities=["ann", "ann"])
    with pytest.raises(ValueError, match="identities"):
        ferguard.build_template_bank(arrays, str(tmp_path / "c.fgtb"), identities=["ann"])
    assert not (tmp_path / "c.fgtb").exists()


def test_donors_chosen_by_head_turn_are_fewer_and_still_k_people(cli, tmp_path):
    image = np.ascontiguousarray(ferguard.read_image(str(SAMPLES / "sample1.jpg"))[::2, ::2])
    plain = ferguard.Pipeline(audit=False, threads=2).analyze(image)
    posed = ferguard.Pipeline(audit=False, threads=2, template_pose=True).analyze(image)
    assert len(posed.faces) == len(plain.faces) > 0
    for a, b in zip(plain.faces, posed.faces):
        assert a["status"] == b["status"] == "privatized", b["reason"]
        assert b["template_people"] >= 3
        assert a["template_selection"] in ("expression", "all")
        assert b["template_selection"] == a["template_selection"] + "+pose"
        # The nearer half of the class's donors, grown to k people: never more than the class.
        assert b["template_donors"] <= a["template_donors"]
        if a["template_donors"] >= 8:
            assert b["template_donors"] < a["template_donors"]
    assert not np.array_equal(plain.private_image, posed.private_image)
    r = cli_run(cli, "analyze", SAMPLES / "sample1.jpg", "--out", tmp_path / "out", "--method", "blur",
                "--template-pose", "--quiet")
    assert r.returncode != 0 and "--template-pose" in r.stderr
