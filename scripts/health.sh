#!/usr/bin/env bash
# npm run -s health -- …: see scripts/health.ts. Relative --backup-repo paths are taken from where the command was run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$root" && source scripts/lib/ensure-node-modules.sh && ensure_node_modules >&2)
cd "${INIT_CWD:-$PWD}"
export TS_NODE_PROJECT="$root/tsconfig.json"
exec node -r "$root/node_modules/ts-node/register/transpile-only" "$root/scripts/health.ts" "$@"
