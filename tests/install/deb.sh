#!/usr/bin/env bash
# The .deb: cpack builds it from the build tree; its metadata lists the Debian packages it depends on; extracted with
# dpkg-deb -x into a scratch root, its ferguard says which models are missing, fetches them on request (from the
# npm cache, pinned), and analyzes a sample photo.
BUILD_DIR=$1 SOURCE_DIR=$2
source "$(dirname "$0")/common.sh"
command -v dpkg-deb >/dev/null || skip "dpkg-deb not found"

cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
version=$(sed -n 's/^#define FERGUARD_VERSION_STRING "\(.*\)"$/\1/p' "$BUILD_DIR/include/ferguard/version.h")
deb="$work/pkg/ferguard_${version}_amd64.deb"
[[ -f "$deb" ]] || fail "expected $deb; cpack made: $(ls "$work/pkg")"

# Depends: computed by dpkg-shlibdeps from what the binaries link.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for p in libc6 libstdc++6 libtorch1.13 libopencv-core406 libopencv-imgcodecs406 libopencv-videoio406 \
    libfftw3-single3 libdnnl2 libgomp1; do
  grep -qxF "$p" <<<"$names" || fail "Depends lacks $p (Debian 12's name)"
done
[[ $(dpkg-deb -f "$deb" Package) == ferguard && $(dpkg-deb -f "$deb" Version) == "$version" ]] \
  || fail "package name or version"

# Contents: library with its SONAME, headers, CMake and pkg-config files, CLI, face-api's weights, Chart.js with its
# licence (inlined into audit reports); never the graph models (no licence upstream), the sample-photo template bank or
# the Python module.
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
for f in ./usr/lib/libferguard.so.0 ./usr/lib/libferguard.so ./usr/include/ferguard/ferguard.h \
    ./usr/include/ferguard/version.h ./usr/lib/cmake/ferguard/ferguardConfig.cmake ./usr/lib/pkgconfig/ferguard.pc \
    ./usr/bin/ferguard ./usr/share/ferguard/faceapi/model/face_expression_model.bin ./usr/share/ferguard/fetch_models.sh \
    ./usr/share/ferguard/chartjs/chart.umd.js ./usr/share/ferguard/chartjs/LICENSE.md; do
  grep -qxF "$f" "$work/files" || fail "package lacks $f"
done
if grep -E 'human|faceres|mobileface|emotion\.|\.fgtb|templates/|_core' "$work/files"; then
  fail "package carries files it must not"
fi

dpkg-deb -x "$deb" "$work/root"
cli="$work/root/usr/bin/ferguard"
v=$(clean_env "$cli" --version)
[[ "$v" == "ferguard $version (git "*")" ]] || fail "--version printed '$v'"
clean_env "$cli" models where | tee "$work/where"
grep -q "face-api models: $work/root/usr/share/ferguard/faceapi/model" "$work/where" || fail "face-api models not from the package"

cd "$work"
# Without the graph models the auditors say what to do.
if clean_env "$cli" analyze in/sample1.jpg --template-bank in/samples.fgtb --out out1 --quiet 2>"$work/err"; then
  fail "analyze without the graph models succeeded"
fi
cat "$work/err"
grep -q "ferguard models install" "$work/err" || { cat "$work/err"; fail "no hint to run ferguard models install"; }

clean_env "$cli" models install | tee "$work/install.log"
grep -q "graph models installed in $work/root/usr/share/ferguard/human/models" "$work/install.log" \
  || fail "models install did not fill the package's data folder"
# No template bank is installed: the default method says how to make one.
if clean_env "$cli" analyze in/sample1.jpg --out out2 --quiet >/dev/null 2>"$work/err"; then
  fail "analyze found a template bank, but none is installed"
fi
grep -q "ferguard templates DIR --out FILE" "$work/err" || { cat "$work/err"; fail "no hint to build a template bank"; }
clean_env "$cli" analyze in/sample1.jpg --template-bank in/samples.fgtb --out out --quiet >"$work/analyze.log"
check_analysis out "${v#ferguard }"
echo "deb: ok"
