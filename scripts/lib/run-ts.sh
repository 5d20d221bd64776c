#!/usr/bin/env bash
# run-ts.sh <script.ts> [args…]: runs a TypeScript entry point of the project
# from anywhere; relative paths in the arguments are taken from where the
# command was run (npm sets INIT_CWD).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
(cd "$root" && source scripts/lib/ensure-node-modules.sh && ensure_node_modules >&2)
cd "${INIT_CWD:-$PWD}"
script=$1
shift
exec node -r "$root/scripts/transpile.js" "$root/$script" "$@"
