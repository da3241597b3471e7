#!/usr/bin/env bash
# Does ferguard's speed still depend on glibc's malloc settings? The same work with glibc's defaults and with the
# settings the CLI used to set for itself with mallopt (MALLOC_MMAP_THRESHOLD_=256 MiB, MALLOC_TRIM_THRESHOLD_=1 GiB,
# MALLOC_TOP_PAD_=64 MiB), alternating in each of three rounds; the report gives the medians and the ratio
# default / tuned (1.00: no dependence left). The work: `ferguard analyze` on the six sample photos (default method,
# with its audit), and bench_pipeline's publish cases (the adversarial method's gradient steps included).
# Usage: benchmarks/malloc_independence.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
ROUNDS="${2:-3}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
unset MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ MALLOC_ARENA_MAX
export OMP_NUM_THREADS=1
TUNED=(env MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864)
FILTER='BM_Analyze/(template|adversarial_fast|adversarial|none)_publish'

for r in $(seq 1 "$ROUNDS"); do
  for mode in default tuned; do
    echo "round $r/$ROUNDS, $mode malloc..." >&2
    pre=(); [[ $mode == tuned ]] && pre=("${TUNED[@]}")
    start=$(date +%s.%N)
    "${pre[@]}" "$BUILD/bin/ferguard" analyze "$ROOT/assets/faceapi/samples" --out "$TMP/out.$mode.$r" --threads 1 \
      --quiet --no-timing > /dev/null
    echo "$(date +%s.%N) - $start" | bc > "$TMP/cli.$mode.$r"
    "${pre[@]}" "$BUILD/bin/bench_pipeline" --benchmark_filter="$FILTER" --benchmark_format=json \
      --benchmark_min_time=1 > "$TMP/pipe.$mode.$r.json" 2>/dev/null
  done
done

/usr/bin/python3 - "$TMP" "$ROUNDS" <<'PY'
import json, pathlib, statistics, sys
tmp, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
med = statistics.median
def pipe(mode, r):
    return {b["name"].split("/")[1]: b["real_time"] for b in json.loads((tmp / f"pipe.{mode}.{r}.json").read_text())["benchmarks"]}
rows = [("ferguard analyze, 6 sample photos (s)", lambda m, r: float((tmp / f"cli.{m}.{r}").read_text()))]
for name in sorted(pipe("default", 1)):
    rows.append((f"{name} (ms per photo)", (lambda n: lambda m, r: pipe(m, r)[n])(name)))
print("| work | default malloc | tuned malloc | default / tuned |")
print("|---|---|---|---|")
for label, f in rows:
    d = [f("default", r) for r in range(1, rounds + 1)]; t = [f("tuned", r) for r in range(1, rounds + 1)]
    print(f"| {label} | {med(d):.2f} | {med(t):.2f} | **{med([a / b for a, b in zip(d, t)]):.2f}** |")
print(f"\nMedians over {rounds} rounds; each round runs both settings back to back; 1 thread.")
PY
