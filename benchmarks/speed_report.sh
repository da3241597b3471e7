#!/usr/bin/env bash
# The speed report: ferguard against face-api 1.7.15 and @vladmandic/human's graph models on tfjs's wasm backend
# (SIMD, 1 thread), from C++ and from Python, all on 1 thread with glibc's default malloc and no environment
# variables. Three rounds; each round runs every peer and every ferguard benchmark once, so each ratio pairs
# numbers of the same round; the report gives the median over the rounds of each time and of each ratio.
# Ratios: peer ms / ferguard ms (above 1: ferguard is faster); Python ms / C++ ms for the binding's overhead.
# ISA: `native` (the default) lets oneDNN and LibTorch use the best instructions of this CPU (AVX-512 where it has
# them); `avx2` caps ferguard's side at AVX2 and FMA (ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY), which is what a core
# without AVX-512 gets. The peers run on wasm SIMD (128-bit) either way.
# Usage: benchmarks/speed_report.sh [BUILD_DIR] [ROUNDS] [ISA]   (needs node; installs tools/reference's npm packages once)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
ROUNDS="${2:-3}"
ISA="${3:-native}"
case "$ISA" in
  native) CAP=() ;;
  avx2) CAP=(ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2) ;;
  *) echo "speed_report.sh: ISA must be native or avx2, not '$ISA'" >&2; exit 2 ;;
esac
ours() { env "${CAP[@]}" "$@"; }  # a ferguard benchmark, under the ISA cap
REF="$ROOT/tools/reference"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
unset MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ MALLOC_ARENA_MAX
export OMP_NUM_THREADS=1

"$ROOT/scripts/fetch_models.sh" >/dev/null
[[ -f "$REF/node_modules/.package-lock.json" ]] || (cd "$REF" && npm ci --no-audit --no-fund --loglevel=error)
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: face-api, tfjs graph models, ferguard C++, ferguard Python..." >&2
  node "$REF/bench_faceapi.js" --runs 20 --warmup 5 | tail -n 1 > "$TMP/faceapi.$r.json"
  node "$REF/bench_graph.js" --runs 20 --warmup 3 | tail -n 1 > "$TMP/graph.$r.json"
  ours "$BUILD/bin/bench_faceapi_nets" --benchmark_format=json --benchmark_min_time=2 > "$TMP/nets.$r.json" 2>/dev/null
  ours "$BUILD/bin/bench_faceapi" --benchmark_format=json > "$TMP/det.$r.json" 2>/dev/null
  ours "$BUILD/bin/bench_graph_models" --benchmark_format=json > "$TMP/gm.$r.json" 2>/dev/null
  ours "$BUILD/bin/bench_api" --benchmark_format=json > "$TMP/api.$r.json" 2>/dev/null
  ours PYTHONPATH="$BUILD/python" FERGUARD_BUILD_DIR="$BUILD" /usr/bin/python3 "$ROOT/benchmarks/bench_python.py" \
    | tail -n 1 > "$TMP/py.$r.json"
done

CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
grep -qw avx512f /proc/cpuinfo && HAS512=yes || HAS512=no
/usr/bin/python3 - "$TMP" "$ROUNDS" "${CAP[*]}" "$CPU" "$HAS512" <<'PY'
import json, pathlib, statistics, sys
tmp, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
cap, cpu, has512 = sys.argv[3], sys.argv[4], sys.argv[5] == "yes"
med = statistics.median

def gbench(f):
    out = {}
    for b in json.loads(f.read_text())["benchmarks"]:
        name = b["name"].split("/min_time")[0].replace("/real_time", "")
        out[name] = (b["real_time"], b)
    return out

R = []
for r in range(1, rounds + 1):
    fa = json.loads((tmp / f"faceapi.{r}.json").read_text())
    gr = json.loads((tmp / f"graph.{r}.json").read_text())
    ours = {}
    for f in ("nets", "det", "api"):
        ours.update(gbench(tmp / f"{f}.{r}.json"))
    gm = {}
    for b in json.loads((tmp / f"gm.{r}.json").read_text())["benchmarks"]:
        if "faces_per_s" not in b:  # bench_graph_models' kernel benchmarks
            continue
        model, _, batch = b["label"].split()
        gm[(model, int(batch))] = 1000.0 / b["faces_per_s"]
    py = json.loads((tmp / f"py.{r}.json").read_text())
    R.append((fa, gr, ours, gm, py))

def per_item(name):  # ms per face / image of a bench_faceapi* benchmark
    return lambda fa, gr, ours, gm, py: ours[name][0] / ours[name][1].get("batch", 1)

def api(name):  # bench_api names its cases BM_<kind>/<kind>_<what>
    return lambda fa, gr, ours, gm, py: ours[f"BM_{name.split('_')[0]}/{name}"][0]

print("## C++: ferguard's nets against the originals (ms per face or image, batch 1 unless noted)\n")
print("| item | peer ms | ferguard ms | peer / ferguard |")
print("|---|---|---|---|")
rows = [
    ("face-api expression net", lambda fa, *_: fa["expression_ms_per_face"], per_item("BM_ExpressionNet/1")),
    ("face-api expression net, batch 16", lambda fa, *_: fa["expression_ms_per_face"], per_item("BM_ExpressionNet/16")),
    ("face-api recognition net", lambda fa, *_: fa["recognition_ms_per_face"], per_item("BM_RecognitionNet/1")),
    ("face-api recognition net, batch 16", lambda fa, *_: fa["recognition_ms_per_face"], per_item("BM_RecognitionNet/16")),
    ("face-api 68-landmark net", lambda fa, *_: fa["landmark_ms_per_face"], per_item("BM_LandmarkNet/1")),
    ("face-api 68-landmark net, batch 16", lambda fa, *_: fa["landmark_ms_per_face"], per_item("BM_LandmarkNet/16")),
    ("face-api detector, 640x480 (incl. NMS)", lambda fa, *_: fa["detector_ms_per_640x480_image"], per_item("BM_FaceDetector")),
]
for model in ("faceres", "mobileface", "emotion"):
    for batch in (1, 16):
        label = f"graph model {model}" + (f", batch {batch}" if batch > 1 else "")
        rows.append((label, (lambda m, b: lambda fa, gr, *_: gr[f"{m}_ms_per_face_batch{b}"])(model, batch),
                     (lambda m, b: lambda fa, gr, ours, gm, py: gm[(m, b)])(model, batch)))
for label, peer, mine in rows:
    p = [peer(*x) for x in R]; m = [mine(*x) for x in R]
    ratio = med([a / b for a, b in zip(p, m)])
    print(f"| {label} | {med(p):.2f} | {med(m):.2f} | **{ratio:.2f}x** |")

print("\n## Python against C++ and against the originals (ms per call, batch 1)\n")
print("| call | C++ ms | Python ms | Python / C++ | peer ms | peer / Python |")
print("|---|---|---|---|---|---|")
peers = {
    "detect_640x480": ("face-api detector + 2 x landmarks",
                       lambda fa, *_: fa["detector_ms_per_640x480_image"] + 2 * fa["landmark_ms_per_face"]),
    "recognizer_faceapi": ("face-api recognition", lambda fa, *_: fa["recognition_ms_per_face"]),
    "recognizer_faceres": ("tfjs faceres", lambda fa, gr, *_: gr["faceres_ms_per_face_batch1"]),
    "recognizer_mobileface": ("tfjs mobileface", lambda fa, gr, *_: gr["mobileface_ms_per_face_batch1"]),
    "expression_faceapi": ("face-api expression", lambda fa, *_: fa["expression_ms_per_face"]),
    "expression_emotion": ("tfjs emotion", lambda fa, gr, *_: gr["emotion_ms_per_face_batch1"]),
}
for call in ("detect_full", "detect_640x480", "recognizer_faceapi", "recognizer_faceres", "recognizer_mobileface",
             "expression_faceapi", "expression_emotion", "pipeline_640x480"):
    c = [api(call)(*x) for x in R]; p = [x[4][call] for x in R]
    over = med([b / a for a, b in zip(c, p)])
    line = f"| {call} | {med(c):.2f} | {med(p):.2f} | {over:.3f} |"
    if call in peers:
        label, peer = peers[call]
        q = [peer(*x) for x in R]
        line += f" {med(q):.2f} ({label}) | **{med([a / b for a, b in zip(q, p)]):.2f}x** |"
    else:
        line += " — | — |"
    print(line)
print(f"\nMedians over {rounds} rounds; 1 thread, default glibc malloc, no MALLOC_* variables. CPU: {cpu}, "
      f"AVX-512 {'present' if has512 else 'absent'}; ferguard's instructions: "
      + (f"capped ({cap})." if cap else "native."))
PY
