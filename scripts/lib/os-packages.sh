# Sourced by the entry scripts: install_os_packages <who> <package>… installs
# the missing OS packages with apt-get when running as root, and otherwise
# stops, saying what to install. Output goes to stderr (stdout may carry JSON).
install_os_packages() {
  local who=$1
  shift
  [ "$#" -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: missing $*: install them (Debian/Ubuntu: sudo apt-get install $*) and run again" >&2
    exit 1
  fi
  echo "$who: installing $* from the OS packages" >&2
  # Keep the packages' services from starting: pgplat starts its own servers.
  local created_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=true
  fi
  local status=0
  apt-get update -qq >&2 || status=$?
  [ "$status" = 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || status=$?; }
  if [ "$created_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$status" != 0 ]; then
    echo "$who: could not install $* (apt-get exit status $status)" >&2
    exit 1
  fi
}
