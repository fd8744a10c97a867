#!/usr/bin/env bash
# Type-checks every workspace project against its own runtime (lib/types) settings.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for cfg in packages/*/tsconfig*.json apps/*/tsconfig*.json test/tsconfig.json scripts/tsconfig.json; do
  # tsconfig.build.json emits dist/ (pnpm build); the build checks those projects' types itself
  case $cfg in *tsconfig.build.json) continue ;; esac
  if ! tsc -p "$cfg"; then echo "typecheck failed: $cfg"; status=1; fi
done
[ $status = 0 ] && echo "typecheck: all projects clean"
exit $status
