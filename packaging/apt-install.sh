# Sourced by the install scripts: apt_install WHO PACKAGE... installs those of the Debian
# packages that are not installed yet (as root; otherwise it names them and fails). WHO prefixes
# its messages.
apt_install() {
  local who=$1
  shift
  local missing=() p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "$who: missing packages: ${missing[*]} (run as root to install them)" >&2
    return 1
  fi
  echo "$who: installing ${missing[*]}"
  local log
  log=$(mktemp /tmp/scenehost-apt.XXXXXX.log)
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } \
      >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "$who: apt-get failed; full log in $log" >&2
    return 1
  fi
  rm -f "$log"
}
