#!/usr/bin/env bash
# Regenerates tests/data/golden/faceapi/ from the original face-api (tfjs wasm backend, no network at run time).
# Usage: tools/reference/make_goldens.sh      (any cwd; needs node >= 18 and npm for the first `npm ci`)
# Env:   FERGUARD_ASSETS_DIR  models/samples root (default <repo>/assets; fetched by scripts/fetch_models.sh)
#        GOLDEN_SAMPLES=1,3   only these sample photos (the per-net goldens need sample 1)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
ASSETS="${FERGUARD_ASSETS_DIR:-$REPO_ROOT/assets}"

command -v node >/dev/null || { echo "make_goldens: error: node not found" >&2; exit 1; }
"$REPO_ROOT/scripts/fetch_models.sh" "$ASSETS"

# npm ci only when node_modules is missing or older than the lock file.
if [[ ! -f "$HERE/node_modules/.package-lock.json" || "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi

export FERGUARD_ASSETS_DIR="$ASSETS"
exec node "$HERE/make_goldens.js"
