# Shared by the install tests: a scratch folder removed on exit, a clean environment, failure messages.
# Sourced with BUILD_DIR and SOURCE_DIR set. Exit code 77 = skipped (ctest SKIP_RETURN_CODE).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
SAMPLE="$SOURCE_DIR/assets/faceapi/samples/sample1.jpg"
BANK="$SOURCE_DIR/assets/templates/samples.fgtb"
NPM_CACHE="${FERGUARD_NPM_CACHE:-$SOURCE_DIR/.cache/npm}"
[[ -f "$SAMPLE" && -f "$BANK" ]] || skip "sample photo or template bank absent (make test fetches and builds them)"
# The test inputs, copied outside the source tree: an installed ferguard must not need it.
mkdir -p "$work/in" "$work/home"
cp "$SAMPLE" "$BANK" "$work/in/"
# Run a command as a user would: no ferguard variables, no build-tree paths, HOME in the scratch folder.
clean_env() {
  env -u FERGUARD_MODELS -u FERGUARD_GRAPH_MODELS -u FERGUARD_TEMPLATES -u FERGUARD_CHARTJS -u PYTHONPATH \
    -u LD_LIBRARY_PATH -u FERGUARD_UNPINNED_MODELS -u XDG_DATA_HOME -u XDG_CACHE_HOME HOME="$work/home" \
    FERGUARD_NPM_CACHE="$NPM_CACHE" "$@"
}
# Checks an analyze output folder: the privatized photo, a report with the build's version and commit, one face.
check_analysis() {
  local out=$1 version=$2
  [[ -f "$out/sample1.jpg" || -f "$out/sample1.png" ]] || ls "$out"/* >/dev/null
  local report
  report=$(ls "$out"/*.json | grep -v summary.json | head -n1)
  /usr/bin/python3 - "$report" "$version" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want = sys.argv[2]
got = r["ferguard_version"] + " (git " + r["ferguard_commit"] + ")"
assert got == want, f"report says {got}, --version says {want}"
faces = r["faces"]
assert len(faces) >= 1, "no face found in sample1.jpg"
assert all(f["status"] in ("privatized", "masked") for f in faces)
assert any(f["status"] == "privatized" and f["audits"] for f in faces), "no privatized, audited face"
names = {a["auditor"] for f in faces for a in f["audits"]}
assert {"faceres", "mobileface"} <= names, f"auditors run: {names}"
print(f"report {sys.argv[1]}: {len(faces)} face(s), auditors {sorted(names)}")
PY
}
