#!/usr/bin/env bash
# Installs every Debian 12 package scenehost needs to build, test and run.
# Idempotent: when everything is present it only asks dpkg and returns.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config
  # Boost 1.81 only: headers (Beast, Asio, DLL) plus the compiled JSON library
  libboost1.81-dev libboost-json1.81-dev
  # logging, JSON Schema validation, command line, tests, TLS
  libspdlog-dev libfmt-dev libvalijson-dev libcli11-dev catch2 libssl-dev openssl zlib1g-dev
  # rendering: Qt 6 offscreen OpenGL over GLX, Mesa's software GL, a private X server
  qt6-base-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev libgl1-mesa-dri xvfb
  # data files: TIFF stacks, blosc-compressed OME-Zarr chunks
  libtiff-dev libblosc-dev
  # encoding: x264 (software H.264), Intel oneVPL's dispatcher, libyuv colour conversion;
  # libavcodec only decodes in the tests
  libx264-dev libvpl-dev libyuv-dev libavcodec-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/scenehost-apt.XXXXXX.log)
if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "install-deps: apt-get failed; full log in $log" >&2
  exit 1
fi
rm -f "$log"
