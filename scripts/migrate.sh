#!/usr/bin/env bash
# npm run -s migrate -- status|apply …: see scripts/migrate.ts. Relative --dir
# paths are taken from where the command was run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$root" && source scripts/lib/ensure-node-modules.sh && ensure_node_modules >&2)
cd "${INIT_CWD:-$PWD}"
export TS_NODE_PROJECT="$root/tsconfig.json"
exec node -r "$root/node_modules/ts-node/register/transpile-only" "$root/scripts/migrate.ts" "$@"
