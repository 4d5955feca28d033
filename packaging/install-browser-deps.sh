#!/usr/bin/env bash
# What the browser tests need beyond install-deps.sh: Debian's Chromium, Node.js with npm (the
# machine's own when it has them, else Debian's), and playwright-core from tests/browser's
# lockfile. Never downloads a browser. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

source packaging/apt-install.sh
packages=(chromium)
# The machine's own Node.js and npm when it has them (a NodeSource node conflicts with Debian's npm).
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
apt_install install-browser-deps "${packages[@]}"

# playwright-core exactly as locked; it has no install script and downloads nothing.
installed_as_locked() {
  node -e 'const lock = require("./tests/browser/package-lock.json").packages["node_modules/playwright-core"];
           const got = require("./tests/browser/node_modules/playwright-core/package.json");
           process.exit(got.version === lock.version ? 0 : 1)' 2>/dev/null
}
if ! installed_as_locked; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund >/dev/null
fi
