"""ferguard.audit() and `ferguard audit`: the same core from Python and the command line, the same figures as
`ferguard analyze` for the same protocol, errors per input, and the real report in a browser."""
import csv
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import ferguard
from conftest import REPO
from test_audit_html import CHROMIUM, Dom, chromium, finish, needs_chromium, resolve, shown

PIXELS = REPO / "tests" / "data" / "golden" / "faceapi" / "pixels"
FAST = dict(auditors=("faceapi", "mobileface"), soft_biometrics=False, reversal=False, bootstrap=200)


def models_present():
    return (REPO / "assets" / "human" / "models" / "mobileface.json").is_file() and (
        REPO / "assets" / "faceapi" / "model").is_dir()


pytestmark = pytest.mark.skipif(not models_present(), reason="models absent: run scripts/fetch_models.sh (make test does)")


def test_arrays_in_numbers_out():
    image = ferguard.read_image(str(PIXELS / "sample1.png"))
    report = ferguard.audit([image], [image.copy()], **FAST)
    assert report.report["schema"] == "ferguard.audit/1"
    faces = report.report["inputs"]["faces"]
    assert faces == 3
    for row in report.summary:
        if row["protocol"] in ("face", "photo"):
            assert row["rank1"]["value"] == 1.0, row
    rows = report.rows()
    assert len(rows) == faces * 2
    assert {r["auditor"] for r in rows} == {"faceapi", "mobileface"}
    assert all(isinstance(r["rank_face"], int) and r["rank_face"] == 1 for r in rows)
    assert all(isinstance(r["distance"], float) for r in rows)
    assert rows[0].keys() == rows[-1].keys()  # one table: pandas.DataFrame(rows) takes it as is
    assert "3 faces" in repr(report)


def test_bad_arguments_are_value_errors(tmp_path):
    image = ferguard.read_image(str(PIXELS / "sample1.png"))
    with pytest.raises(ValueError, match="equal lengths"):
        ferguard.audit([image], [], **FAST)
    with pytest.raises(ValueError, match="not a folder"):
        ferguard.audit(str(tmp_path / "nowhere"), str(tmp_path), **FAST)
    with pytest.raises(ValueError, match="anonymised"):
        ferguard.audit([image], [image[:-1]], **FAST)
    with pytest.raises(ValueError, match="nobody"):
        ferguard.audit([image], [image], auditors=("nobody",))


def run_cli(cli, *args):
    return subprocess.run([cli, "audit", *map(str, args)], capture_output=True, text=True, timeout=600)


def test_cli_reports_a_bad_input_and_audits_the_others(cli, tmp_path):
    originals, anonymised, out = tmp_path / "o", tmp_path / "a", tmp_path / "out"
    originals.mkdir()
    anonymised.mkdir()
    shutil.copy(PIXELS / "sample1.png", originals / "one.png")
    shutil.copy(PIXELS / "sample1.png", anonymised / "one.png")
    (originals / "broken.png").write_bytes(b"not a png")
    shutil.copy(PIXELS / "sample1.png", anonymised / "broken.png")
    shutil.copy(PIXELS / "sample2.png", originals / "alone.png")  # no anonymised counterpart
    (originals / "clip.mp4").write_bytes(b"not a video")
    (anonymised / "clip.mp4").write_bytes(b"not a video")
    r = run_cli(cli, "--originals", originals, "--anonymised", anonymised, "--out", out, "--auditors",
                "mobileface", "--no-soft-biometrics", "--no-reversal", "--bootstrap", 100)
    assert r.returncode == 1, r.stderr
    assert "3 input(s) failed" in r.stderr
    assert "clip.mp4" in r.stderr
    audit = json.loads((out / "audit.json").read_text())
    assert audit["inputs"]["images"] == 1 and audit["inputs"]["faces"] == 3
    failed = sorted(pathlib.Path(e["input"]).name for e in audit["errors"])
    assert failed == ["alone.png", "broken.png", "clip.mp4"], audit["errors"]
    assert (out / "faces.csv").read_text().count("\n") == 1 + 3
    # The independent model's reference: how often it gives ferguard's model's top class on the originals, as the
    # per-face table says.
    ferguard_entry, independent = audit["utility"]["expression"]
    assert "originals_agree_with_ferguard" not in ferguard_entry
    rows = list(csv.DictReader((out / "faces.csv").open()))
    same = [r[f"{ferguard_entry['model']}_original"] == r[f"{independent['model']}_original"] for r in rows]
    assert independent["originals_agree_with_ferguard"]["value"] == pytest.approx(sum(same) / len(same), abs=1e-6)
    assert (out / "report.html").stat().st_size > 10_000
    assert "reference: on the originals" in (out / "report.html").read_text()
    assert not list(out.glob(".*tmp*")), "temporary files left behind"


def test_cli_and_python_give_the_same_report(cli, tmp_path):
    originals, anonymised = tmp_path / "o", tmp_path / "a"
    originals.mkdir()
    anonymised.mkdir()
    image = ferguard.read_image(str(PIXELS / "sample3.png"))
    ferguard.write_image(str(originals / "x.png"), image)
    ferguard.write_image(str(anonymised / "x.png"), (image // 2).astype(np.uint8))
    r = run_cli(cli, "--originals", originals, "--anonymised", anonymised, "--out", tmp_path / "out", "--auditors",
                "faceapi,mobileface", "--no-soft-biometrics", "--no-reversal", "--bootstrap", 200, "--quiet")
    assert r.returncode == 0, r.stderr
    from_cli = json.loads((tmp_path / "out" / "audit.json").read_text())
    from_python = ferguard.audit(originals, anonymised, **FAST).report
    for doc in (from_cli, from_python):
        doc.pop("timing")
        doc.pop("inputs")
    assert from_cli == from_python


def test_analyze_and_audit_agree_on_the_protocols(cli, tmp_path):
    """`ferguard analyze` audits what it publishes; `ferguard audit` of the same published files gives the same
    figures (the blur baseline keeps the face's geometry, so both read the face at the same hull)."""
    originals = tmp_path / "o"
    originals.mkdir()
    for name in ("sample1.png", "sample4.png"):
        shutil.copy(PIXELS / name, originals / name)
    analyzed = tmp_path / "analyze"
    r = subprocess.run([cli, "analyze", str(originals), "--method", "blur", "--auditors", "faceapi,mobileface",
                        "--out", str(analyzed), "--quiet"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    summary = json.loads((analyzed / "summary.json").read_text())
    r = run_cli(cli, "--originals", originals, "--anonymised", analyzed, "--out", tmp_path / "audit", "--auditors",
                "faceapi,mobileface", "--no-soft-biometrics", "--no-reversal", "--quiet")
    assert r.returncode == 0, r.stderr
    audit = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert len(summary["protocols"]) == len(audit["same_photo"]) == 6
    for a, b in zip(summary["protocols"], audit["same_photo"]):
        assert (a["auditor"], a["protocol"], a["faces"], a["worst_variant"]) == (
            b["auditor"], b["protocol"], b["probes"], b["worst_variant"])
        for key in ("value", "lo", "hi"):
            assert a["worst_rank1"][key] == pytest.approx(b["rank1"][key], abs=1e-6), (a["auditor"], a["protocol"])
        for va, vb in zip(a["variants"], b["variants"]):
            assert va["rank1"]["value"] == pytest.approx(vb["rank1"]["value"], abs=1e-6)


def test_cross_photo_from_an_identities_file(cli, tmp_path):
    """Two photos of each person (one face each): the identities file enables the cross-photo and adaptive
    attackers, and an unchanged 'anonymisation' lets them find everyone."""
    originals = tmp_path / "o"
    originals.mkdir()
    analyzer = ferguard.FaceAnalyzer(threads=1)
    rows = ["path,identity"]
    person = 0
    for name in ("sample1.png", "sample2.png"):
        image = ferguard.read_image(str(PIXELS / name))
        for face in analyzer.detect(image):
            x, y, w, h = (int(v) for v in face.box)
            pad = w
            crop = image[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad]
            for copy, picture in (("a", crop), ("b", crop[:, ::-1])):
                file = f"p{person}{copy}.png"
                ferguard.write_image(str(originals / file), np.ascontiguousarray(picture))
                rows.append(f"{file},person{person}")
            person += 1
    (tmp_path / "ids.csv").write_text("\n".join(rows) + "\n")
    r = run_cli(cli, "--originals", originals, "--anonymised", originals, "--identities", tmp_path / "ids.csv",
                "--out", tmp_path / "out", "--auditors", "mobileface", "--no-soft-biometrics", "--no-reversal",
                "--quiet", "--thumbnails")
    assert r.returncode == 0, r.stderr
    audit = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert audit["inputs"]["identities"] == person >= 5
    face = [x for x in audit["cross_photo"]["results"] if x["protocol"] == "face"][0]
    assert face["rank1"]["value"] >= 0.8, face
    assert face["chance"] < 0.25
    assert audit["adaptive"]["results"][0]["accuracy"]["value"] >= 0.8
    assert any("fewer than 20" in w for w in audit["warnings"])
    assert (tmp_path / "out" / "report.html").read_text().count("data:image/png;base64,") >= 2 * person


@needs_chromium
def test_a_real_report_in_chromium(cli, tmp_path):
    originals = tmp_path / "o"
    originals.mkdir()
    shutil.copy(PIXELS / "sample2.png", originals / "sample2.png")
    published = tmp_path / "blurred"
    r = subprocess.run([cli, "analyze", str(originals), "--method", "blur", "--no-audit", "--out", str(published),
                        "--quiet"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    r = run_cli(cli, "--originals", originals, "--anonymised", published, "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    report = tmp_path / "out" / "report.html"
    audit = json.loads((tmp_path / "out" / "audit.json").read_text())
    dom_text, _ = finish(chromium(tmp_path, "dom", "--dump-dom", report.as_uri()), "--dump-dom")
    dom = Dom()
    dom.feed(dom_text)
    assert dom.js_errors is not None and dom.js_errors.strip() == "", dom.js_errors
    assert int(dom.body.get("data-rendered", "0")) >= 3
    assert len(dom.fields) > 50
    for pointer, kind, got in dom.fields:
        assert got == shown(resolve(audit, pointer), kind), f"{pointer}: page shows {got!r}"


def test_an_auditors_own_graph_model(cli, tmp_path):
    """MobileFace brought as the auditor's own model.json gives the built-in MobileFace's ranks; its threshold is
    calibrated on the originals when the spec gives none."""
    originals = tmp_path / "o"
    originals.mkdir()
    shutil.copy(PIXELS / "sample5.png", originals / "sample5.png")
    anonymised = tmp_path / "a"
    anonymised.mkdir()
    image = ferguard.read_image(str(PIXELS / "sample5.png"))
    ferguard.write_image(str(anonymised / "sample5.png"), (image.astype(np.int16) * 3 // 4 + 20).astype(np.uint8))
    spec = f"mine={REPO}/assets/human/models/mobileface.json:size=112,range=0-255,distance=cosine,crop=1.1"
    r = run_cli(cli, "--originals", originals, "--anonymised", anonymised, "--out", tmp_path / "out", "--auditors",
                "mobileface", "--recognizer-model", spec, "--no-soft-biometrics", "--no-reversal", "--quiet")
    assert r.returncode == 0, r.stderr
    audit = json.loads((tmp_path / "out" / "audit.json").read_text())
    built_in, mine = audit["auditors"]
    assert mine["name"] == "mine" and mine["threshold_source"] == "calibrated" and mine["threshold"] > 0
    assert built_in["threshold_source"] == "built-in"
    rows = {(x["auditor"], x["protocol"]): x for x in audit["same_photo"]}
    for protocol in ("face", "photo", "context_floor"):
        a, b = rows[("mobileface", protocol)], rows[("mine", protocol)]
        assert [v["rank1"] for v in a["variants"]] == [v["rank1"] for v in b["variants"]], protocol
        assert a["mean_rank"] == b["mean_rank"]
    bad = run_cli(cli, "--originals", originals, "--anonymised", anonymised, "--out", tmp_path / "bad",
                  "--recognizer-model", "mine=/nonexistent/model.json", "--quiet")
    assert bad.returncode != 0 and "/nonexistent/model.json" in bad.stderr


def test_a_video_is_audited_per_track(cli, tmp_path):
    """Every 3rd frame of a clip with three people is audited; each person is one track, whose middle frame is the
    same-photo attacker's and whose other frames are that person's other photos."""
    originals = tmp_path / "o"
    originals.mkdir()
    frame = np.ascontiguousarray(ferguard.read_image(str(PIXELS / "sample1.png"))[::2, ::2])
    with ferguard.VideoWriter(originals / "clip.mp4", frame.shape[1], frame.shape[0], fps=5) as w:
        for i in range(12):
            w.write(np.roll(frame, 2 * i, axis=1))
    published = tmp_path / "published"
    r = subprocess.run([cli, "analyze", str(originals), "--method", "blur", "--no-audit", "--out", str(published),
                        "--quiet"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (published / "clip.private.mp4").is_file()
    r = run_cli(cli, "--originals", originals, "--anonymised", published, "--out", tmp_path / "out", "--auditors",
                "mobileface", "--video-stride", 3, "--no-soft-biometrics", "--no-reversal")
    assert r.returncode == 0, r.stderr
    assert "3 track(s)" in r.stderr
    audit = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert audit["inputs"]["faces"] == 12 and audit["inputs"]["extra_faces"] == 9
    assert audit["inputs"]["identities"] == 3
    assert {f["image"] for f in audit["faces"]} == {f"clip.mp4#{i:06d}" for i in (0, 3, 6, 9)}
    assert all(f["identity"].startswith("clip.mp4:track") for f in audit["faces"])
    face = [x for x in audit["same_photo"] if x["protocol"] == "face"][0]
    assert face["probes"] == face["gallery"] == 3  # one face per person
    extra = [f for f in audit["faces"] if f["extra"]]
    assert len(extra) == 9 and all(a["rank"]["face"] is None for f in extra for a in f["auditors"])
    assert audit["cross_photo"]["probes"] == 12
    if CHROMIUM is not None:  # the page of a video audit: extra frames without ranks still render cleanly
        report = tmp_path / "out" / "report.html"
        dom_text, _ = finish(chromium(tmp_path, "dom", "--dump-dom", report.as_uri()), "--dump-dom")
        dom = Dom()
        dom.feed(dom_text)
        assert dom.js_errors is not None and dom.js_errors.strip() == "", dom.js_errors
        for pointer, kind, got in dom.fields:
            assert got == shown(resolve(audit, pointer), kind), f"{pointer}: page shows {got!r}"


def test_python_lists_a_video_among_its_errors(tmp_path):
    folder = tmp_path / "o"
    folder.mkdir()
    shutil.copy(PIXELS / "sample6.png", folder / "six.png")
    (folder / "clip.mp4").write_bytes(b"a video")
    report = ferguard.audit(folder, folder, **FAST)
    assert report.report["inputs"]["images"] == 1
    assert [pathlib.Path(e["input"]).name for e in report.report["errors"]] == ["clip.mp4"]
    assert "ferguard audit command" in report.report["errors"][0]["message"]
