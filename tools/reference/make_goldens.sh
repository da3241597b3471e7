#!/usr/bin/env bash
# Regenerates the goldens from the original implementations (tfjs wasm backend, no network at run time):
#   faceapi  tests/data/golden/faceapi/  @vladmandic/face-api (make_goldens.js; also decodes the sample pixels)
#   graph    tests/data/golden/graph/    faceres, mobileface, emotion graph models (make_graph_goldens.js;
#                                        needs all six decoded samples from the faceapi step)
# Usage: tools/reference/make_goldens.sh [faceapi] [graph]   (default: both, in that order; any cwd; needs
#        node >= 18 and npm for the first `npm ci`)
# Env:   FERGUARD_ASSETS_DIR  models/samples root (default <repo>/assets; fetched by scripts/fetch_models.sh)
#        GOLDEN_SAMPLES=1,3   faceapi step: only these sample photos (the per-net goldens need sample 1); the
#                             graph step is then skipped unless named explicitly
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
ASSETS="${FERGUARD_ASSETS_DIR:-$REPO_ROOT/assets}"

for step in "$@"; do
  [[ "$step" == faceapi || "$step" == graph ]] \
    || { echo "make_goldens: error: unknown step '$step' (expected faceapi or graph)" >&2; exit 2; }
done
command -v node >/dev/null || { echo "make_goldens: error: node not found" >&2; exit 1; }
"$REPO_ROOT/scripts/fetch_models.sh" "$ASSETS"

# npm ci only when node_modules is missing or older than the lock file.
if [[ ! -f "$HERE/node_modules/.package-lock.json" || "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi

export FERGUARD_ASSETS_DIR="$ASSETS"
STEPS=("$@")
if (( ${#STEPS[@]} == 0 )); then
  STEPS=(faceapi)
  if [[ -z "${GOLDEN_SAMPLES:-}" ]]; then STEPS+=(graph); else echo "make_goldens: GOLDEN_SAMPLES set: skipping the graph step"; fi
fi
for step in "${STEPS[@]}"; do
  case "$step" in
    faceapi) node "$HERE/make_goldens.js" ;;
    graph) node "$HERE/make_graph_goldens.js" ;;
  esac
done
