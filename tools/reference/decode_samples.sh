#!/usr/bin/env bash
# Writes the decoded sample photos the golden tests compare against (see decode_samples.js). Part of set-up:
# `make test` runs it after scripts/fetch_models.sh. Idempotent; installs tools/reference's npm packages once.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || { echo "decode_samples: error: node not found (scripts/install_deps.sh installs it)" >&2; exit 1; }
if [[ ! -f "$HERE/node_modules/.package-lock.json" || "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
node "$HERE/decode_samples.js"
