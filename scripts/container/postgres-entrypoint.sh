#!/bin/sh
# Entrypoint wrapper for the official postgres image: named volumes mounted at
# paths the image does not have start out owned by root, so the archive and
# backup directories are handed to the server's user before the image's own
# entrypoint runs (and drops privileges).
#   PGPLAT_SERVER_DIRS  space-separated directories the server must own
#   PGPLAT_SERVER_USER  the server's user (default: postgres)
#   PGPLAT_RESTORE      set in a stack restored from another: restore before the first start
set -eu
server_user=${PGPLAT_SERVER_USER:-postgres}
if [ "$(id -u)" = 0 ]; then
  for directory in ${PGPLAT_SERVER_DIRS:-}; do
    mkdir -p "$directory"
    chown "$server_user:" "$directory"
    chmod 0700 "$directory"
  done
  if [ -n "${PGPLAT_RESTORE:-}" ]; then pgplat-restore-before-start; fi
fi
exec "$@"
