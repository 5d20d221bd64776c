#!/usr/bin/env bash
# bundle-basebackup.sh <out.js>: the backup tool (scripts/backup.ts and what it
# imports, pg included) as one file for Node 20. The backup image and the tests
# both run this bundle.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx esbuild scripts/backup.ts --bundle --platform=node --target=node20 --log-level=warning --outfile="$1"
