#!/usr/bin/env bash
# Everything: typecheck, lint + format check, build + package checks, browser tests (web-test-runner in Debian's Chromium),
# Node and end-to-end tests (vitest). Anything that opens a socket runs in a loopback-only netns.
# Every step runs even if an earlier one fails; the exit code is non-zero if any failed, and the
# last line is the plain summary "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
start=$(date +%s)
rm -rf .tmp/results && mkdir -p .tmp/results
failed_steps=()
step() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  "$@" || failed_steps+=("$name")
}
step typecheck bash scripts/typecheck.sh
step eslint eslint . --max-warnings 0
step prettier prettier --check . --log-level warn
# The consumer test's first half needs the npm registry, so it runs here, outside the namespace:
# pnpm build, pack, publint + attw, npm install of the tarballs into a fresh app (test/README.md).
step "consumer: build, pack, check, npm install" node test/consumer/prepare.mjs
step "browser tests" bash scripts/netns.sh web-test-runner
step "node + e2e tests" bash scripts/netns.sh vitest run --reporter=default --reporter=json \
  --outputFile.json=.tmp/results/vitest.json
printf '\n=== summary (%s s) ===\n' "$(( $(date +%s) - start ))"
[ ${#failed_steps[@]} -eq 0 ] || printf 'failed steps: %s\n' "${failed_steps[*]}"
node scripts/test-summary.mjs "${#failed_steps[@]}"
