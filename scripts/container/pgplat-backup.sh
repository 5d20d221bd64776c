#!/usr/bin/env bash
# pgplat-backup: the scheduled backup task's command (installed as
# /usr/local/bin/pgplat-backup by scripts/container/backup.Dockerfile).
#
# Dumps every connectable database of the server in PostgreSQL's custom format,
# plus the roles and tablespaces (pg_dumpall --globals-only, without role
# passwords), streaming each straight to S3 with SSE-KMS: nothing is written to
# local disk but two checksum files. A run is complete only when its manifest
# (every object with its size and SHA-256) is written, last, with one PutObject;
# a run that fails midway leaves dump objects but never a manifest.
#
# Connection: the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE);
# PGDATABASE (default postgres) is where the database list is read.
# Destination: BACKUP_BUCKET, BACKUP_PREFIX, BACKUP_KMS_KEY_ID (required);
# BACKUP_S3_ENDPOINT (optional, an S3-compatible endpoint URL);
# BACKUP_RUN_ID (optional, default the UTC start time).
# Success metric (optional): BACKUP_METRIC_NAMESPACE, BACKUP_METRIC_STACK (the
# Stack dimension), BACKUP_CLOUDWATCH_ENDPOINT (a CloudWatch-compatible endpoint).
# Exit: 0 complete; 1 a dump or upload failed; 2 bad environment; 3 PostgreSQL
# or the bucket unreachable before anything was written.
set -euo pipefail

say() { printf 'pgplat-backup: %s\n' "$*" >&2; }
die() { local status=$1; shift; say "$*"; exit "$status"; }

for variable in BACKUP_BUCKET BACKUP_PREFIX BACKUP_KMS_KEY_ID; do
  [ -n "${!variable:-}" ] || die 2 "$variable is not set"
done
bucket=$BACKUP_BUCKET
prefix=${BACKUP_PREFIX%/}
run_id=${BACKUP_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)}
[[ $run_id =~ ^[A-Za-z0-9._-]+$ ]] || die 2 "BACKUP_RUN_ID must be letters, digits, '.', '_' or '-', not '$run_id'"
run_prefix="$prefix/dumps/$run_id"
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

aws_args=()
[ -z "${BACKUP_S3_ENDPOINT:-}" ] || aws_args+=(--endpoint-url "$BACKUP_S3_ENDPOINT")
s3() { aws "${aws_args[@]}" "$@"; }
sse=(--sse aws:kms --sse-kms-key-id "$BACKUP_KMS_KEY_ID")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A stream from stdin has no known size: 32 MiB parts allow dumps up to 312 GiB
# (10,000 parts), and the CLI holds at most 10 parts in memory (320 MiB of the task's 1 GiB).
if [ -z "${AWS_CONFIG_FILE:-}" ]; then
  printf '[default]\ns3 =\n  multipart_chunksize = 32MB\n' >"$work/aws-config"
  export AWS_CONFIG_FILE="$work/aws-config"
fi

# JSON string literal for a database name (names may hold quotes or backslashes).
json_string() {
  local text=${1//\\/\\\\}
  text=${text//\"/\\\"}
  printf '"%s"' "$text"
}

# Object name for a database: URL-style escaping of anything outside [A-Za-z0-9._-].
object_name() {
  local name=$1 out="" char i
  for ((i = 0; i < ${#name}; i++)); do
    char=${name:i:1}
    if [[ $char =~ [A-Za-z0-9._-] ]]; then out+=$char; else out+=$(printf '%%%02X' "'$char"); fi
  done
  printf '%s' "$out"
}

# Before writing anything: PostgreSQL answers and the bucket is reachable.
export PGDATABASE=${PGDATABASE:-postgres}
if ! server_version=$(psql -X -A -t -v ON_ERROR_STOP=1 -c "SHOW server_version" 2>"$work/psql.err"); then
  die 3 "cannot connect to PostgreSQL at ${PGHOST:-local socket}:${PGPORT:-5432} as ${PGUSER:-$(id -un)}: $(tr '\n' ' ' <"$work/psql.err")"
fi
server_version=${server_version%% *}
if ! s3 s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/" --max-items 1 >/dev/null 2>"$work/s3.err"; then
  die 3 "cannot reach bucket s3://$bucket/$prefix/: $(tr '\n' ' ' <"$work/s3.err")"
fi
# rdsadmin is RDS's own database: the master user may not connect to it.
mapfile -t databases < <(psql -X -A -t -v ON_ERROR_STOP=1 -c \
  "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'rdsadmin' ORDER BY datname")
[ "${#databases[@]}" -gt 0 ] || die 1 "no database to dump on ${PGHOST:-local socket}"
say "run $run_id: dumping ${#databases[@]} database(s) from PostgreSQL $server_version to s3://$bucket/$run_prefix/"

# stream <key> <command...>: the command's stdout to s3://bucket/key, with size and
# SHA-256 taken on the way. When the command fails, the upload is killed before it
# sees end-of-input, so S3 never completes the object (the bucket's lifecycle
# rule aborts the orphaned multipart upload).
stream() {
  local key=$1; shift
  rm -f "$work"/*.fifo "$work/dump.status"
  mkfifo "$work/upload.fifo" "$work/sum.fifo" "$work/size.fifo"
  # A plain command, not the s3 function, so that $! is the aws process itself.
  aws "${aws_args[@]}" s3 cp - "s3://$bucket/$key" "${sse[@]}" --only-show-errors <"$work/upload.fifo" 2>"$work/upload.err" & local uploader=$!
  sha256sum <"$work/sum.fifo" >"$work/sum" & local hasher=$!
  wc -c <"$work/size.fifo" >"$work/size" & local counter=$!
  local tee_status upload_status dump_status
  set +e
  { "$@" 2>"$work/dump.err" || { echo "$?" >"$work/dump.status"; kill -TERM "$uploader" 2>/dev/null; }; } | tee "$work/sum.fifo" "$work/size.fifo" >"$work/upload.fifo"
  tee_status=$?
  wait "$uploader"; upload_status=$?
  wait "$hasher" "$counter"
  set -e
  dump_status=$(cat "$work/dump.status" 2>/dev/null || echo 0)
  # A dump killed by SIGPIPE (141) only means the upload stopped reading first: name the upload then.
  if [ "$dump_status" -ne 0 ] && [ "$dump_status" -ne 141 ]; then
    die 1 "$1 failed (exit $dump_status); s3://$bucket/$key was not completed and the run has no manifest: $(tr '\n' ' ' <"$work/dump.err")"
  fi
  if [ "$upload_status" -ne 0 ] || [ "$tee_status" -ne 0 ] || [ "$dump_status" -ne 0 ]; then
    die 1 "upload of s3://$bucket/$key failed (exit $upload_status); the run has no manifest: $(tr '\n' ' ' <"$work/upload.err")"
  fi
  REPLY="\"key\": $(json_string "$key"), \"bytes\": $(tr -d ' \n' <"$work/size"), \"sha256\": \"$(cut -d' ' -f1 <"$work/sum")\""
}

entries=()
stream "$run_prefix/globals.sql" pg_dumpall --globals-only --no-role-passwords
entries+=("{\"kind\": \"globals\", \"format\": \"plain\", $REPLY}")
for database in "${databases[@]}"; do
  stream "$run_prefix/$(object_name "$database").dump" pg_dump --format=custom --dbname="$database"
  entries+=("{\"kind\": \"database\", \"database\": $(json_string "$database"), \"format\": \"custom\", $REPLY}")
  say "dumped $database"
done

# The manifest goes last, in one PutObject: its presence is what makes the run a backup.
{
  printf '{\n  "format": "pgplat-dump-manifest/1",\n  "runId": "%s",\n  "startedAt": "%s",\n  "finishedAt": "%s",\n' "$run_id" "$started_at" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "serverVersion": "%s",\n  "pgDumpVersion": "%s",\n  "files": [\n' "$server_version" "$(pg_dump --version | awk '{print $3}')"
  last=$((${#entries[@]} - 1))
  for i in "${!entries[@]}"; do printf '    %s%s\n' "${entries[$i]}" "$([ "$i" -eq "$last" ] && echo "" || echo ",")"; done
  printf '  ]\n}\n'
} >"$work/manifest.json"
if ! s3 s3 cp "$work/manifest.json" "s3://$bucket/$run_prefix/manifest.json" "${sse[@]}" --content-type application/json --only-show-errors 2>"$work/upload.err"; then
  die 1 "writing the manifest s3://$bucket/$run_prefix/manifest.json failed; the run is incomplete: $(tr '\n' ' ' <"$work/upload.err")"
fi
say "run $run_id complete: s3://$bucket/$run_prefix/manifest.json"

# The "no successful dump" alarm watches this metric; it is sent only after the manifest.
if [ -n "${BACKUP_METRIC_NAMESPACE:-}" ]; then
  metric_args=()
  [ -z "${BACKUP_CLOUDWATCH_ENDPOINT:-}" ] || metric_args+=(--endpoint-url "$BACKUP_CLOUDWATCH_ENDPOINT")
  if ! aws "${metric_args[@]}" cloudwatch put-metric-data --namespace "$BACKUP_METRIC_NAMESPACE" --metric-name DumpSucceeded \
    --dimensions "Stack=${BACKUP_METRIC_STACK:-default}" --value 1 --unit Count 2>"$work/metric.err"; then
    die 1 "run $run_id is complete, but the DumpSucceeded metric was not sent, so the missed-backup alarm will fire: $(tr '\n' ' ' <"$work/metric.err")"
  fi
fi
