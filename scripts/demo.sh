#!/usr/bin/env bash
# `pnpm demo`: the signaling server, the multi-tab demo page (Vite) and two edge peers, on
# 127.0.0.1; prints the URL to open. Ctrl-C stops everything. See apps/demo/README.md.
#   pnpm demo                 dev server (default)
#   pnpm demo -- --built      production build served by `vite preview`
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --conditions=source --import tsx apps/demo/stack/run.ts "$@"
