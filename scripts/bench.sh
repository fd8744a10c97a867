#!/usr/bin/env bash
# Placeholder until the benchmarks land (issues 4, 5, 6).
echo "pnpm bench: no benchmarks yet (see the open issues)." >&2
exit 1
