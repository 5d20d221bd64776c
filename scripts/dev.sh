#!/usr/bin/env bash
# npm run dev:up / dev:down / dev:list / dev:reap: see scripts/dev.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-node-modules.sh
ensure_node_modules
exec node -r ./scripts/transpile.js scripts/dev.ts "$@"
