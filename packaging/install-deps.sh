#!/usr/bin/env bash
# Installs every Debian 12 package scenehost needs to build, test and run.
# Idempotent: when everything is present it only asks dpkg and returns.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config
  # the fuzz targets (tests/fuzz/run.sh): clang 14 and its libFuzzer and sanitizer runtimes
  clang libclang-rt-14-dev
  # Boost 1.81 only: headers (Beast, Asio, DLL) plus the compiled JSON library
  libboost1.81-dev libboost-json1.81-dev
  # logging, JSON Schema validation, command line, tests, TLS
  libspdlog-dev libfmt-dev libvalijson-dev libcli11-dev catch2 libssl-dev openssl zlib1g-dev
  # the config file (TOML)
  libtomlplusplus-dev strace
  # packages: CPack's dependency scan (dpkg-shlibdeps) and lintian
  dpkg-dev lintian
  # rendering: Qt 6 offscreen OpenGL over GLX, Mesa's software GL, a private X server
  qt6-base-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev libgl1-mesa-dri xvfb
  # data files: TIFF stacks, blosc-compressed OME-Zarr chunks
  libtiff-dev libblosc-dev
  # encoding: x264 (software H.264), Intel oneVPL's dispatcher, libyuv colour conversion;
  # libavcodec only decodes in the tests
  libx264-dev libvpl-dev libyuv-dev libavcodec-dev
)

source "$(dirname "$0")/apt-install.sh"
apt_install install-deps "${packages[@]}"
