#!/usr/bin/env bash
# What the browser tests need beyond install-deps.sh: Debian's Chromium, Node.js with npm (the
# machine's own when it has them, else Debian's), and playwright-core from tests/browser's
# lockfile. Never downloads a browser. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" || missing+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-browser-deps: missing: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "install-browser-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp /tmp/scenehost-apt.XXXXXX.log)
  if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "install-browser-deps: apt-get failed; full log in $log" >&2
    exit 1
  fi
  rm -f "$log"
fi

# playwright-core exactly as locked; it has no install script and downloads nothing.
installed_as_locked() {
  node -e 'const lock = require("./tests/browser/package-lock.json").packages["node_modules/playwright-core"];
           const got = require("./tests/browser/node_modules/playwright-core/package.json");
           process.exit(got.version === lock.version ? 0 : 1)' 2>/dev/null
}
if ! installed_as_locked; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund >/dev/null
fi
