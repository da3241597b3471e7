"""report.html in a real browser: headless Chromium loads the page rendered from tests/data/audit/sample_audit.json,
runs its scripts (Chart.js inlined), and must show every number as the JSON has it, draw every chart without a script
error, and print to a PNG that is not blank."""
import copy
import html.parser
import json
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest

import ferguard

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "data" / "audit" / "sample_audit.json"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/install_deps.sh installs "
                                                              "it; make test runs that)")
# Debian 12's chromium: --headless=new is the current headless mode; --no-sandbox because tests may run as root.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
         "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-sync",
         "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000"]


def sample():
    return json.loads(SAMPLE.read_text())


def without_optional_sections(audit):
    audit = copy.deepcopy(audit)
    for key in ("cross_photo", "adaptive", "reversal", "soft_biometrics"):
        audit[key] = None
    audit["inputs"]["identities"] = 0
    audit["options"]["reversal_sigmas"] = []
    audit["options"]["soft_biometrics"] = False
    return audit


def shown(value, kind):
    """A value as the page writes it (data-format)."""
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "f1":
        return f"{value:.1f}"
    if kind == "f2":
        return f"{value:.2f}"
    if kind == "int":
        return str(int(round(value)))
    if kind == "text":
        return value
    raise AssertionError(f"unknown data-format {kind}")


def resolve(doc, pointer):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


class Dom(html.parser.HTMLParser):
    """The data-field elements with their text, the canvases, <body>'s attributes and #js-errors' text."""

    def __init__(self):
        super().__init__()
        self.fields, self.canvases, self.body, self.js_errors = [], [], {}, None
        self._open = None  # [pointer, format, text] of the data-field element being read
        self._in_errors = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "canvas":
            self.canvases.append(a.get("id"))
        if "data-field" in a:
            self._open = [a["data-field"], a.get("data-format"), ""]
        if a.get("id") == "js-errors":
            self._in_errors, self.js_errors = True, ""

    def handle_endtag(self, tag):
        if self._open is not None and tag == "span":
            self.fields.append(tuple(self._open))
            self._open = None
        if self._in_errors and tag == "div":
            self._in_errors = False

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data
        if self._in_errors:
            self.js_errors += data


def chromium(tmp_path, name, *args):
    profile = tmp_path / f"profile-{name}"
    return subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc, what):
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"chromium {what}: timed out; stderr: {err[-2000:]}")
    assert proc.returncode == 0, f"chromium {what}: exit {proc.returncode}; stderr: {err[-2000:]}"
    return out, err


def test_render_is_deterministic_and_checks_its_input():
    text = SAMPLE.read_text()
    a = ferguard.render_audit_html(text, "/* stand-in */")
    assert a == ferguard.render_audit_html(json.dumps(json.loads(text)), "/* stand-in */")
    assert "<script src" not in a and a.startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="audit JSON"):
        ferguard.render_audit_html("{not json", "x")
    with pytest.raises(ValueError, match="ferguard.audit/1"):
        ferguard.render_audit_html('{"schema": "other/1"}', "x")


def test_missing_chartjs_is_a_model_error(monkeypatch):
    monkeypatch.setenv("FERGUARD_CHARTJS", "/nonexistent/chart.umd.js")
    with pytest.raises(ferguard.ModelError, match="/nonexistent/chart.umd.js"):
        ferguard.render_audit_html(SAMPLE.read_text())


@needs_chromium
def test_report_in_chromium(tmp_path):
    audit = sample()
    try:
        page = ferguard.render_audit_html(json.dumps(audit))
    except ferguard.ModelError as e:
        pytest.skip(f"Chart.js absent: {e} (make test fetches it)")
    report = tmp_path / "report.html"
    report.write_text(page)
    bare = tmp_path / "bare.html"
    bare.write_text(ferguard.render_audit_html(json.dumps(without_optional_sections(audit))))
    png = tmp_path / "report.png"
    # The three browsers run side by side: one prints to PNG, two dump the DOM after the scripts ran.
    shot = chromium(tmp_path, "shot", f"--screenshot={png}", "--window-size=1280,4000", report.as_uri())
    dump = chromium(tmp_path, "dom", "--dump-dom", report.as_uri())
    dump_bare = chromium(tmp_path, "bare", "--dump-dom", bare.as_uri())
    finish(shot, "--screenshot")
    dom_text, _ = finish(dump, "--dump-dom")
    bare_text, _ = finish(dump_bare, "--dump-dom (optional sections null)")

    for text, doc, charts in ((dom_text, audit, 5), (bare_text, without_optional_sections(audit), 3)):
        dom = Dom()
        dom.feed(text)
        assert dom.js_errors is not None, "no #js-errors element"
        assert dom.js_errors.strip() == "" and "data-errors" not in dom.body, f"script errors: {dom.js_errors}"
        assert len(dom.canvases) == charts, dom.canvases
        assert dom.body.get("data-rendered") == str(charts), f"Chart.js drew {dom.body.get('data-rendered')} charts"
        assert len(dom.fields) > 100
        for pointer, kind, got in dom.fields:
            assert got == shown(resolve(doc, pointer), kind), f"{pointer}: page shows {got!r}"
    assert "Not run (no identities were given (--identities))." in bare_text

    # The printed page: a real picture (many colours), with the rank-1 chart's face-protocol bars (#1d4ed8) on it.
    assert png.is_file() and png.stat().st_size > 20_000
    image = ferguard.read_image(str(png))
    assert image.shape[0] >= 3000 and image.shape[1] >= 1200, image.shape
    assert image.std() > 20
    assert len(np.unique(image.reshape(-1, 3)[::7], axis=0)) > 200
    bar = np.all(np.abs(image.astype(int) - [0x1d, 0x4e, 0xd8]) <= 3, axis=2)
    assert bar.sum() > 2000, f"face-protocol bars not drawn ({bar.sum()} pixels)"
