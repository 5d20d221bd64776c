#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a
# fresh machine, then type-checks and runs every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."

report=$(mktemp --suffix=.json)
trap 'rm -f "$report"' EXIT

# PgBouncer, Redis and pgbench come from the OS packages; the integration tests run them for real.
missing=()
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-client)
# Prometheus (promtool) and the exporters: the alert rules and exporter queries are tested for real.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-postgres-exporter >/dev/null 2>&1 || missing+=(prometheus-postgres-exporter)
command -v prometheus-redis-exporter >/dev/null 2>&1 || missing+=(prometheus-redis-exporter)
# The dump and restore tests: PostgreSQL 15 server and client as a matching pair, and the AWS CLI the backup image installs.
[ -x /usr/lib/postgresql/15/bin/postgres ] && [ -x /usr/lib/postgresql/15/bin/pg_dump ] || missing+=(postgresql-15)
[ -x /usr/bin/aws ] || missing+=(awscli)
source scripts/lib/os-packages.sh
install_os_packages "test setup" "${missing[@]+"${missing[@]}"}"

# npm packages, exactly as locked.
source scripts/lib/ensure-node-modules.sh
ensure_node_modules

# ts-node's compile cache goes with the packages, not into the temp directory.
export V8_COMPILE_CACHE_CACHE_DIR="$PWD/node_modules/.cache/v8-compile-cache"
npx tsc -p .
# Layout (Prettier) and lint (ESLint) over the whole tree, before the slower tiers.
npm run -s format:check || { echo "test: the files above are not formatted: run npm run format" >&2; exit 1; }
npm run -s lint || { echo "test: lint found the problems above" >&2; exit 1; }
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A plain closing line that any CI log reader understands; it also counts files
# that failed outside their tests (did not load, a hook threw) and errors outside
# any file, and exits non-zero when anything failed.
node -r ts-node/register/transpile-only scripts/lib/testSummary.ts "$report" "$status" || exit 1
