#!/usr/bin/env bash
# Runs a command inside a fresh network namespace that has only loopback, so no test traffic
# (WebRTC ICE candidates included) can leave 127.0.0.1/::1. Needs root (or user namespaces).
#   scripts/netns.sh vitest run
# PULSEMESH_NETNS=1 is set inside, so tests can check they are isolated.
# The default route points at lo (source 127.0.0.1): Firefox's ICE, in a page without camera
# permission, gathers only on the default route's address, and finds none without a route. Packets
# to any other address go to lo and are dropped there; nothing can leave the namespace.
set -euo pipefail
if [ "${PULSEMESH_NETNS:-}" = 1 ]; then exec "$@"; fi
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$here/node_modules/.bin:$PATH" PULSEMESH_NETNS=1
if [ "$(id -u)" = 0 ]; then
  exec unshare -n -- sh -c 'ip link set lo up && ip route add default dev lo src 127.0.0.1 && exec "$@"' sh "$@"
else
  exec unshare -rn -- sh -c 'ip link set lo up && ip route add default dev lo src 127.0.0.1 && exec "$@"' sh "$@"
fi
