#!/usr/bin/env bash
# The default privatizer's targets on face-api's 22 sample faces, in one run: privacy and utility under the audit
# protocols (leave-one-photo-out), then speed against its peers (privatize + predict per face on one thread; the test
# clip on two threads; flicker on a still clip). Prints what it measured; the targets are in docs/template_method.md.
#
#   benchmarks/privacy_targets.sh [BUILD_DIR]        (after make; takes about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== privacy and utility: ferguard analyze assets/faceapi/samples (default options)"
"$BUILD/bin/ferguard" analyze assets/faceapi/samples --out "$OUT/analyze" --quiet
echo
echo "== attackers without a recogniser (same outputs): the face's mean colour, the published jaw line"
/usr/bin/python3 benchmarks/attribute_attackers.py assets/faceapi/samples "$OUT/analyze"
echo
echo "== speed: privatize + predict per face, 1 thread (template_publish against none_publish)"
"$BUILD/bin/bench_pipeline" --benchmark_filter='none_publish|template_publish' --benchmark_min_time=1
echo
echo "== video: frames per second on the test clip (2 threads, no audit) and flicker on a still clip"
"$BUILD/bin/bench_video"
