#!/usr/bin/env bash
# The offline plan of a pull request (.github/workflows/ci.yml):
#   bash scripts/ci/plan-stacks.sh <stack | Pulumi.<stack>.yaml>...
# runs `npm run -s plan` (every guardrail) for each, prints each plan in a
# log group and adds it with its verdict to the job summary
# ($GITHUB_STEP_SUMMARY). Plans them all, then exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
plan=$(mktemp)
trap 'rm -f "$plan"' EXIT
status=0
for stack in "$@"; do
  echo "::group::plan $stack"
  if npm run -s plan -- "$stack" > "$plan"; then verdict="passes every guardrail"; else verdict="FAILS"; status=1; fi
  cat "$plan"
  echo "::endgroup::"
  {
    echo "<details><summary><b>$stack</b>: $verdict</summary>"
    echo
    echo '```'
    cat "$plan"
    echo '```'
    echo "</details>"
  } >> "$summary"
done
exit "$status"
