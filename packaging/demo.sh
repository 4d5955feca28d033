#!/usr/bin/env bash
# Builds the host and its plugins and starts `scenehost serve --demo`, with napari-cuda's
# two ports (control 8081, pixels 8082) beside the main listener for napari-cuda's own client.
# Installs what it needs first. Extra arguments go to `scenehost serve`. It prints the viewer's
# address (`scenehost viewer: open http://127.0.0.1:8080/ in a browser`): open that page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh

# The test command's build directory and configuration: running one after the other builds once.
build=${SCENEHOST_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j "$(nproc)" --target scenehost_runtime
exec "$build/bin/scenehost" serve --demo --napari-cuda-ports "$@"
