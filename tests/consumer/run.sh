#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then moves the prefix (an install must not depend on where it
# was made, nor on the source tree) and builds tests/consumer against it twice: through find_package(ferguard) and
# through pkg-config. The installed CLI must find its models in the moved prefix.
set -euo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for m in faceapi/model human/models chartjs; do
  [[ -d "$src_dir/../../assets/$m" ]] || { echo "SKIP: assets/$m absent (scripts/fetch_models.sh; make test fetches it)"; exit 77; }
done
cmake --install "$build_dir" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/prefix"
prefix="$work/prefix"

cmake -S "$src_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$work/build/consumer"

# pkg-config: the .pc file finds its prefix from its own folder.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[[ $(pkg-config --variable=prefix ferguard) -ef "$prefix" ]] || fail "pkg-config prefix $(pkg-config --variable=prefix ferguard)"
extra=""
if grep -q fsanitize "$prefix/lib/cmake/ferguard/ferguardTargets.cmake"; then extra="-fsanitize=address,undefined"; fi
# shellcheck disable=SC2046
c++ -std=c++17 $extra "$src_dir/main.cpp" -o "$work/consumer_pc" $(pkg-config --cflags --libs ferguard)
LD_LIBRARY_PATH="$prefix/lib" "$work/consumer_pc"

# The installed CLI: its version and commit, models from the moved prefix, never from the build or source tree.
env -u FERGUARD_MODELS -u FERGUARD_GRAPH_MODELS "$prefix/bin/ferguard" --version | grep -q "^ferguard .* (git .*)$" \
  || fail "ferguard --version"
where=$(env -u FERGUARD_MODELS -u FERGUARD_GRAPH_MODELS "$prefix/bin/ferguard" models where)
echo "$where"
grep -qxF "face-api models: $prefix/share/ferguard/faceapi/model" <<<"$where" || fail "face-api models not from the prefix"
grep -qxF "graph models:    $prefix/share/ferguard/human/models" <<<"$where" || fail "graph models not from the prefix"
for f in faceapi/model/face_expression_model.bin human/models/faceres.bin chartjs/chart.umd.js chartjs/LICENSE.md \
    fetch_models.sh assets.sha256; do
  [[ -f "$prefix/share/ferguard/$f" ]] || fail "share/ferguard/$f not installed"
done
[[ -L "$prefix/lib/libferguard.so" && -f "$prefix/lib/libferguard.so.0" ]] || fail "libferguard.so.0 (SOVERSION)"
! ls "$prefix"/_core* "$prefix"/share/ferguard/templates 2>/dev/null || fail "Python module or template bank installed"
echo "consumer: ok"
