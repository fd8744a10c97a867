#!/usr/bin/env bash
# Placeholder until the demo lands (issue 8): says so instead of pretending.
echo "pnpm demo: the demo app is not built yet (see the open issues)." >&2
exit 1
