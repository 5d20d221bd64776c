#!/usr/bin/env bash
# npm start / npm run stop: sets itself up on a fresh clone the way the test
# command does (PgBouncer and Redis from the OS packages, npm packages as
# locked), then runs scripts/<start|stop>.ts. Setup output goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command=$1
shift
if [ "$command" = start ]; then
  source "$root/scripts/lib/os-packages.sh"
  missing=()
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  install_os_packages "npm start" "${missing[@]+"${missing[@]}"}"
fi
(cd "$root" && source scripts/lib/ensure-node-modules.sh && ensure_node_modules >&2)
# A stack file given by path is taken from where the command was run (npm sets INIT_CWD).
cd "${INIT_CWD:-$PWD}"
exec node -r "$root/scripts/transpile.js" "$root/scripts/$command.ts" "$@"
