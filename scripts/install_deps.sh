#!/usr/bin/env bash
# Installs the Debian 12 packages ferguard needs; skips those already installed. Idempotent.
# chromium (headless) tests the audit report page (tests/python/test_audit_html.py) and renders it to PNG.
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopencv-dev opencv-data libfftw3-dev libeigen3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev pybind11-dev nlohmann-json3-dev libcli11-dev libgloo-dev libdnnl-dev
  python3 python3-dev python3-numpy python3-pytest
  python3-pip python3-setuptools python3-venv file
  chromium
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm fetch the pretrained models and decode the golden sample photos. Any installation will do
# (Debian's packages, or another vendor's that already provides the commands).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
