#!/usr/bin/env bash
# pip: a venv (Debian's numpy through --system-site-packages), `pip install --no-build-isolation` of the source tree
# reusing the build tree, then, from outside the source tree and with no ferguard variable: import, docstrings,
# models and Chart.js found in the package, `python3 -m ferguard models install` and `python3 -m ferguard analyze`.
BUILD_DIR=$1 SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
/usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null || skip "python3-venv not installed"

/usr/bin/python3 -m venv --system-site-packages "$work/venv"
py="$work/venv/bin/python3"
# --no-index: nothing is downloaded (numpy comes from Debian).
FERGUARD_CMAKE_BUILD_DIR="$BUILD_DIR" clean_env "$py" -m pip install --no-index --no-build-isolation -q "$SOURCE_DIR" \
  >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; fail "pip install failed"; }

cd "$work"
version=$(clean_env "$py" -m ferguard --version)
clean_env "$py" - "$work" "$version" "$SOURCE_DIR/tests/data/audit/sample_audit.json" <<'PY'
import pathlib, sys
import numpy as np
import ferguard
work, version, audit_json = sys.argv[1], sys.argv[2], sys.argv[3]
pkg = pathlib.Path(ferguard.__file__).resolve().parent
assert str(pkg).startswith(work + "/venv/"), f"imported {pkg}, not the venv's"
assert version == f"ferguard {ferguard.__version__} (git {ferguard.__git_commit__})", version
assert (pkg / "py.typed").is_file() and (pkg / "_core.pyi").is_file(), "type stubs not installed"
assert "strength_low" in ferguard.Pipeline.__init__.__doc__ and "[0, 1]" in ferguard.Pipeline.__init__.__doc__
assert not (pkg / "share" / "ferguard" / "human").exists(), "the graph models must not be in the package"
# Chart.js (MIT, with its licence) in the package: the audit report inlines it with no variable set.
for f in ("chart.umd.js", "LICENSE.md"):
    assert (pkg / "share" / "ferguard" / "chartjs" / f).is_file(), f"chartjs/{f} not in the package"
page = ferguard.render_audit_html(pathlib.Path(audit_json).read_text())
assert "Chart.js v4." in page and "<script src" not in page, "report.html without the packaged Chart.js"
# face-api's weights found in the package, with no variable set.
faces = ferguard.FaceAnalyzer().detect(ferguard.read_image(f"{work}/in/sample1.jpg"))
assert len(faces) >= 1, "no face found"
print(f"import ok: {pkg}, {len(faces)} face(s)")
PY
clean_env "$py" -m ferguard models install | tee "$work/install.log"
grep -q "graph models installed in $work/venv/lib/python3[.0-9]*/site-packages/ferguard/share/ferguard/human/models" \
  "$work/install.log" || fail "models install did not fill the package's data folder"
clean_env "$py" -m ferguard analyze in/sample1.jpg --template-bank in/samples.fgtb --out out --quiet >"$work/analyze.log"
check_analysis out "${version#ferguard }"
echo "pip: ok"
