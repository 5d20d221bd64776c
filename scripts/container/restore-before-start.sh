#!/bin/sh
# Runs in a restored stack's PostgreSQL container before the server's first
# start (called by postgres-entrypoint.sh, as root):
#   1. an empty data volume: restore the source stack's backup into it, to the
#      target in PGPLAT_RESTORE (pgplat-basebackup restore arguments);
#   2. start a temporary server that only this script can reach (a private
#      socket, no TCP), let it replay the source's WAL and promote, then give
#      the roles this stack's credentials (PGPLAT_RESTORE_CREDENTIALS, SQL);
#   3. stop it. The image's entrypoint then starts the real server.
# A marker file makes step 2 run again if the container stopped halfway.
set -eu
# The server's user may not be able to enter the caller's directory.
cd /
: "${PGDATA:?}" "${PGPLAT_RESTORE:?}" "${PGPLAT_RESTORE_CREDENTIALS:?}"
server_user=${PGPLAT_SERVER_USER:-postgres}
marker="$PGDATA/pgplat-restore-pending"

if [ ! -e "$PGDATA/PG_VERSION" ]; then
  # shellcheck disable=SC2086 # PGPLAT_RESTORE is a list of arguments without spaces inside them.
  pgplat-basebackup restore --into "$PGDATA" $PGPLAT_RESTORE
  touch "$marker"
  chown "$server_user:" "$marker"
fi
[ -e "$marker" ] || exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown "$server_user:" "$work"
chmod 0700 "$work"
printf 'local all all trust\n' > "$work/pg_hba.conf"
chown "$server_user:" "$work/pg_hba.conf"
# Replay can take long: wait as long as it needs, but no TCP and no archiving.
gosu "$server_user" pg_ctl -D "$PGDATA" -w -t 86400 -l "$work/server.log" \
  -o "-c listen_addresses= -c unix_socket_directories=$work -c hba_file=$work/pg_hba.conf -c archive_mode=off" start || { cat "$work/server.log" >&2; exit 1; }
until [ "$(gosu "$server_user" psql -h "$work" -U postgres -d postgres -Atqc 'select pg_is_in_recovery()')" = f ]; do sleep 1; done
gosu "$server_user" psql -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -f "$PGPLAT_RESTORE_CREDENTIALS"
gosu "$server_user" pg_ctl -D "$PGDATA" -m fast -w stop
rm -f "$marker"
