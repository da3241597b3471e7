#!/usr/bin/env bash
# One run, same machine: the three TF.js graph models on tfjs's wasm backend (SIMD, 1 thread;
# tools/reference/bench_graph.js) and in ferguard's graph executor (1 thread; bench_graph_models), same input
# size, graph alone. Prints ms per face and the ratio tfjs / ferguard (above 1: ferguard is faster).
# Usage: benchmarks/compare_graph.sh [BUILD_DIR]   (needs node; installs tools/reference's npm packages once)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
REF="$ROOT/tools/reference"
[[ -f "$REF/node_modules/.package-lock.json" ]] || (cd "$REF" && npm ci --no-audit --no-fund --loglevel=error)
node_json="$(node "$REF/bench_graph.js" --runs 20 --warmup 3 | tail -n 1)"
cpp_json="$("$BUILD/bin/bench_graph_models" --benchmark_format=json 2>/dev/null)"
/usr/bin/python3 - "$node_json" "$cpp_json" <<'PY'
import json, sys
node, cpp = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ours = {}
for b in cpp["benchmarks"]:
    model, _, batch = b["label"].split()
    ours[(model, int(batch))] = 1000.0 / b["faces_per_s"]
print("| model | batch | tfjs wasm ms/face | ferguard ms/face | tfjs / ferguard |")
print("|---|---|---|---|---|")
for (model, batch), ms in sorted(ours.items()):
    t = node[f"{model}_ms_per_face_batch{batch}"]
    print(f"| {model} | {batch} | {t:.2f} | {ms:.2f} | {t / ms:.1f}x |")
PY
