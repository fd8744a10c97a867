#!/usr/bin/env bash
# Idempotent machine setup: pnpm at the pinned version, Debian's Chromium, firefox-esr,
# redis-server, coturn, nftables and Go (the network lab, test/README.md), and the workspace packages.
# Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
say() { printf '[setup] %s\n' "$*"; }

if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  say "installing pnpm@$pnpm_version"
  npm i -g "pnpm@$pnpm_version" --no-fund --no-audit --loglevel=error
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
[ -x /usr/bin/turnserver ] || missing+=(coturn)
[ -x /usr/sbin/nft ] || missing+=(nftables)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
# The lab's delay bridge (test/harness/delay-bridge, standard library only) is built with Go.
command -v go >/dev/null 2>&1 || missing+=(golang-go)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.pulsemesh-lock
if [ ! -f "$stamp" ] || ! cmp -s pnpm-lock.yaml "$stamp"; then
  say "pnpm install --frozen-lockfile"
  CI=true pnpm install --frozen-lockfile --reporter=append-only | tail -n 5
  cp pnpm-lock.yaml "$stamp"
fi
