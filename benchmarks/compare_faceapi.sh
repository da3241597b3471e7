#!/usr/bin/env bash
# One run, one machine: face-api 1.7.15 on Node (tfjs wasm, SIMD, 1 thread; tools/reference/bench_faceapi.js) next to
# ferguard's LibTorch port on 1 thread (bench_faceapi_nets: expression + recognition; bench_faceapi: landmarks +
# detector), then the ratios face-api ms / ferguard ms (> 1 means ferguard is faster). Both sides report wall-clock
# medians/means; on a shared machine run it twice and compare.
# Usage: benchmarks/compare_faceapi.sh [BUILD_DIR]     (default: build; needs node and `npm ci` in tools/reference)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT

"$ROOT/scripts/fetch_models.sh" >/dev/null
if [[ ! -f "$ROOT/tools/reference/node_modules/.package-lock.json" ]]; then
  (cd "$ROOT/tools/reference" && npm ci --no-audit --no-fund >/dev/null)
fi
echo "face-api (node, tfjs wasm, 1 thread)..." >&2
node "$ROOT/tools/reference/bench_faceapi.js" --runs 20 --warmup 5 > "$TMP/faceapi.json"
echo "ferguard (LibTorch, 1 thread)..." >&2
export OMP_NUM_THREADS=1
"$BUILD/bin/bench_faceapi_nets" --benchmark_format=json --benchmark_min_time=2 > "$TMP/nets.json" 2>/dev/null
"$BUILD/bin/bench_faceapi" --benchmark_format=json > "$TMP/det.json" 2>/dev/null
# The same with glibc malloc told to keep freed memory: most of LibTorch's time on this kind of VM is page faults
# on activations that glibc hands back to the kernel after every op.
echo "ferguard (LibTorch, 1 thread, glibc malloc tuned)..." >&2
export MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864
"$BUILD/bin/bench_faceapi_nets" --benchmark_format=json --benchmark_min_time=2 > "$TMP/tuned_nets.json" 2>/dev/null
"$BUILD/bin/bench_faceapi" --benchmark_format=json > "$TMP/tuned_det.json" 2>/dev/null
unset MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_

python3 - "$TMP" <<'PY'
import json, sys, pathlib
tmp = pathlib.Path(sys.argv[1])
fa = json.loads((tmp / "faceapi.json").read_text().strip().splitlines()[-1])
def load(files):
  ours = {}
  for f in files:
    for b in json.loads((tmp / f).read_text())["benchmarks"]:
        name = b["name"].split("/min_time")[0].replace("/real_time", "")
        # wall-clock ms per face / image for every benchmark, like node's timings
        ours[name] = (b["real_time"] / b.get("batch", 1), b.get("batch", 1))
  return ours
rows = [
    ("expression net, per face", "expression_ms_per_face", ["BM_ExpressionNet/1", "BM_ExpressionNet/16"]),
    ("recognition net, per face", "recognition_ms_per_face", ["BM_RecognitionNet/1", "BM_RecognitionNet/16"]),
    ("68-landmark net, per face", "landmark_ms_per_face", ["BM_LandmarkNet/1", "BM_LandmarkNet/16"]),
    ("detector, per 640x480 image", "detector_ms_per_640x480_image", ["BM_FaceDetector"]),
]
for title, files in (("default malloc", ("nets.json", "det.json")), ("tuned malloc", ("tuned_nets.json", "tuned_det.json"))):
    ours = load(files)
    print(f"\nferguard with {title}; wall-clock ms, ratio = face-api / ferguard")
    print(f"{'item':30s} {'face-api ms':>12s} {'ferguard ms (batch)':>22s} {'ratio':>7s}")
    for label, key, names in rows:
        for n in names:
            if n not in ours:
                continue
            ms, batch = ours[n]
            print(f"{label:30s} {fa[key]:12.2f} {ms:15.2f} (b={int(batch):2d}) {fa[key] / ms:7.2f}x")
print(f"face-api detector forward only (no NMS): {fa['detector_forward_ms_per_640x480_image']:.2f} ms")
PY
