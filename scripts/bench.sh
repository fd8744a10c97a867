#!/usr/bin/env bash
# pnpm bench / ./run bench: every benchmark, one after another, then where the results went.
#
#   bash scripts/bench.sh [--quick] [--only detector|signal|mesh|real-peers|field|attach] [--seed N]
#
#   detector  failure-detector matrix on the simulator (packages/sim/bin/bench.ts; ~10-15 min full,
#             < 1 min --quick); --seed goes to it
#   signal    signaling server load (scripts/bench-signal.ts, in a loopback-only network namespace)
#   mesh      real WebRTC mesh of Chromium tabs and Node peers (scripts/bench-mesh.ts, same; ~2.5 min
#             --quick, longer full)
#   real-peers  real HashiCorp memberlist processes beside real edge peers, SIGKILL and 5 % loss
#             (scripts/bench-real-peers.ts in a namespace; ~25 min full, ~3 min --quick); installs
#             golang-go, golang-github-hashicorp-memberlist-dev and nftables with apt if missing and
#             builds bench/memberlist in GOPATH mode (no network); then the edge-peer cost floor
#             (scripts/bench-edge-cost.ts: CPU, RSS and USS per process at N = 10; ~4 min)
#   field     Chromium, Firefox and edge peers behind NATs and a firewall, through coturn, in the
#             network lab (scripts/bench-field.ts; needs root; ~25 min full, ~6 min --quick)
#   attach    pulsemesh attached to the demo's y-webrtc notes page: renderer crash → failed vs
#             y-webrtc awareness alone, bytes per link, connections added (scripts/bench-attach.ts;
#             ~6 min full, ~2 min --quick)
#
# A full run writes the published numbers under bench-results/. A --quick run never replaces them:
# its results land in bench-results/quick/ (git-ignored). Exits non-zero when any benchmark failed,
# after running the others.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,21s/^# \{0,1\}//p' "$0"; }

quick=()
only=''
seed=()
while (($# > 0)); do
  case "$1" in
    --quick) quick=(--quick) ;;
    --only) only="${2:-}"; shift ;;
    --only=*) only="${1#--only=}" ;;
    --seed) seed=(--seed "${2:-}"); shift ;;
    --seed=*) seed=(--seed "${1#--seed=}") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$only" in
  '' | detector | signal | mesh | real-peers | field | attach) ;;
  *) echo "bench: --only takes detector, signal, mesh, real-peers, field or attach (got '$only')" >&2; exit 2 ;;
esac

node_ts=(node --conditions=source --import tsx)
results=()
failed=0

# Quick runs of the signal and mesh benches write the same file as a full run; keep the published
# file and move the quick result to bench-results/quick/ (restored on any exit, even an interrupt).
backup_file=''
backup_of=''
restore() {
  if [[ -n "$backup_of" ]]; then
    if [[ -f "$backup_of" ]]; then
      mkdir -p bench-results/quick
      mv "$backup_of" "bench-results/quick/$(basename "$backup_of")"
    fi
    if [[ -n "$backup_file" ]]; then mv "$backup_file" "$backup_of"; fi
  fi
  backup_file=''
  backup_of=''
}
trap restore EXIT

# run NAME PUBLISHED_FILE COMMAND...: runs one benchmark, records where its results are.
run() {
  local name="$1" file="$2"
  shift 2
  local where="$file"
  echo
  echo "=== bench: $name${quick[*]:+ (quick)} ==="
  echo "\$ $*"
  if ((${#quick[@]} > 0)) && [[ "$file" != bench-results/quick/* ]]; then
    backup_of="$file"
    if [[ -f "$file" ]]; then
      backup_file="$(mktemp)"
      cp -p "$file" "$backup_file"
    fi
    where="bench-results/quick/$(basename "$file")"
  fi
  local start=$SECONDS rc=0
  "$@" || rc=$?
  restore
  if ((rc == 0)); then
    results+=("$(printf '%-9s ok      %4ds  %s' "$name" $((SECONDS - start)) "$where")")
  else
    failed=1
    results+=("$(printf '%-9s FAILED  %4ds  exit %d (see the output above)' "$name" $((SECONDS - start)) "$rc")")
  fi
}

if [[ -z "$only" || "$only" == detector ]]; then
  # The detector bench picks its own directory: bench-results/ for a full run, bench-results/quick/
  # for --quick.
  dir=bench-results
  if ((${#quick[@]} > 0)); then dir=bench-results/quick; fi
  run detector "$dir/detector.json (+ detector-*.svg plots)" \
    "${node_ts[@]}" packages/sim/bin/bench.ts "${quick[@]}" "${seed[@]}"
  # The hostile floor's own file: that run of the full matrix, with its floors.
  if ((${#quick[@]} == 0)); then
    run hostile bench-results/detector-hostile-default.json \
      "${node_ts[@]}" scripts/bench-hostile-extract.ts
  fi
fi
if [[ -z "$only" || "$only" == signal ]]; then
  run signal bench-results/signal.json \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-signal.ts "${quick[@]}"
fi
if [[ -z "$only" || "$only" == mesh ]]; then
  run mesh bench-results/mesh.json \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-mesh.ts "${quick[@]}"
fi
if [[ -z "$only" || "$only" == field ]]; then
  run field bench-results/field.json \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-field.ts all "${quick[@]}"
fi
if [[ -z "$only" || "$only" == attach ]]; then
  # Under --quick the script writes bench-results/quick/attach.json itself.
  attach_file=bench-results/attach.json
  if ((${#quick[@]} > 0)); then attach_file=bench-results/quick/attach.json; fi
  run attach "$attach_file" \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-attach.ts "${quick[@]}"
fi
if [[ -z "$only" || "$only" == real-peers ]]; then
  # This bench's own setup: Debian's Go and memberlist sources, nftables; then a GOPATH-mode build.
  missing=()
  for pkg in golang-go golang-github-hashicorp-memberlist-dev nftables; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} > 0)); then
    echo "bench: installing ${missing[*]} (apt)"
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The edge peer runs from its build (apps/edge-peer/dist), rebuilt so it is the checked-out code.
  pnpm build --no-demo
  mkdir -p bench/memberlist/.bin
  GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o bench/memberlist/.bin/memberlist-node ./bench/memberlist
  run real-peers bench-results/real-peers.json \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-real-peers.ts "${quick[@]}"
  # The edge-peer cost floor on its own (RSS as the issue wrote it, and restated on USS); ~4 min.
  # Under --quick the script writes bench-results/quick/edge-cost.json itself.
  cost_file=bench-results/edge-cost.json
  if ((${#quick[@]} > 0)); then cost_file=bench-results/quick/edge-cost.json; fi
  run edge-cost "$cost_file" \
    bash scripts/netns.sh "${node_ts[@]}" scripts/bench-edge-cost.ts "${quick[@]}"
fi

echo
echo "=== bench: results ==="
printf '%s\n' "${results[@]}"
exit "$failed"
