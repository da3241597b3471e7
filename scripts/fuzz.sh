#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, docs/fuzzing.md) with clang in their own build folder and runs
# each for FUZZ_SECONDS from its committed seed corpus plus a working corpus kept in the build folder.
#   scripts/fuzz.sh [TARGET...]     (default: every target; names as in tests/fuzz/corpus/)
# Environment: FUZZ_SECONDS (60), FUZZ_BUILD (build-fuzz), CXX_FUZZ (clang++-14), FUZZ_JOBS (nproc).
# Exits non-zero when a target found a crash, a hang or an out-of-memory input; the reproducer is written
# to $FUZZ_BUILD/artifacts/<target>/ and its log to $FUZZ_BUILD/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
CXX_FUZZ=${CXX_FUZZ:-clang++-14}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
ALL_TARGETS=(tfjs_weights tfjs_graph image csv_manifest template_bank)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

# -fsanitize=fuzzer links libFuzzer from clang's runtime libraries (Debian: libclang-rt-14-dev).
if ! command -v "$CXX_FUZZ" >/dev/null 2>&1; then
  echo "fuzz: $CXX_FUZZ not found; install it with: apt-get install -y clang-14 libclang-rt-14-dev" >&2
  exit 2
fi
resource_dir=$("$CXX_FUZZ" -print-resource-dir)
if ! ls "$resource_dir"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
  echo "fuzz: libFuzzer's runtime is missing under $resource_dir/lib/linux;" \
       "install it with: apt-get install -y libclang-rt-14-dev" >&2
  exit 2
fi

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
  cmake -S . -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$CXX_FUZZ" "${launcher[@]}" \
    -DFERGUARD_FUZZ=ON -DFERGUARD_BUILD_TESTS=OFF -DFERGUARD_BUILD_PYTHON=OFF -DFERGUARD_BUILD_BENCHMARKS=OFF \
    -DFERGUARD_BUILD_EXAMPLES=OFF -DFERGUARD_BUILD_CLI=OFF
fi
cmake --build "$FUZZ_BUILD" -j "$FUZZ_JOBS" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")

mkdir -p "$FUZZ_BUILD/logs"
failed=()
printf '%-14s %10s %8s %6s %8s %10s %s\n' target executions seconds cov corpus corpus_kb result
for t in "${TARGETS[@]}"; do
  work="$FUZZ_BUILD/corpus/$t" artifacts="$FUZZ_BUILD/artifacts/$t/" log="$FUZZ_BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts"
  start=$(date +%s)
  status=0
  "$FUZZ_BUILD/bin/fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1 || status=$?
  seconds=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$work" -type f | wc -l)
  kb=$(( $(du -sk "$work" | cut -f1) ))
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status): $(ls -t "$artifacts" | head -1)"
    failed+=("$t")
  fi
  printf '%-14s %10s %8s %6s %8s %10s %s\n' "$t" "${runs:-?}" "$seconds" "${cov:-?}" "$files" "$kb" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; see $FUZZ_BUILD/logs/ and $FUZZ_BUILD/artifacts/" >&2
  exit 1
fi
