#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a
# fresh machine, then type-checks and runs every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test setup: $*" >&2; exit 1; }
created_policy=false
report=$(mktemp --suffix=.json)
cleanup() {
  rm -f "$report"
  if [ "$created_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

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
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test setup: installing ${missing[*]} from the OS packages"
    # Keep the packages' services from starting: the tests start their own servers.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      created_policy=true
    fi
    apt-get update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "could not install ${missing[*]}"
  else
    fail "missing ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run again"
  fi
fi

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
