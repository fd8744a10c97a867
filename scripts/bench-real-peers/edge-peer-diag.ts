// The edge peer of `bench-real-peers.ts --diag`: the edge peer CLI (apps/edge-peer, `--json`) plus
// diagnostic lines the product does not print, so a slow kill can be explained from its trial:
//   `witness`  a signaling-session witness reached this peer (kind, the target as this peer saw it:
//              state, ms since last heard, its last vital signs, and the window of the witnessed
//              check it began, if any);
//   `verdict`  this peer declared a peer failed (reason, what it knew of it then);
//   `stall`    this peer's own timer fired ≥ 100 ms late (what its `loadMs` vital sign reports, once
//              start-up is over; `remembered`: whether the detector kept it).
// It reads the detector's private state (the witnessed checks, its own vital signs): a bench tool,
// never a pattern for the product.
import type { DetectorState } from '../../packages/core/src/detector-state.js';
import { parseEdgePeerArgs } from '../../apps/edge-peer/src/args.js';
import { startEdgePeer } from '../../apps/edge-peer/src/edge-peer.js';

/** Own timer lateness at least this (ms) is printed as a `stall` line. */
const STALL_LINE_MS = 100;

const parsed = parseEdgePeerArgs(process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`error: ${parsed.error}\n`);
  process.exit(2);
}
const { mesh } = await startEdgePeer(parsed.args, {
  write: (text) => process.stdout.write(text),
  isTTY: false,
});
const detector = mesh.detector;
const state = (detector as unknown as { s: DetectorState }).s;
const line = (type: string, detail: object): void => {
  process.stdout.write(
    `${JSON.stringify({ ts: new Date().toISOString(), self: mesh.localId, type, ...detail })}\n`,
  );
};
const known = (peer: string): object => {
  const p = detector.peer(peer);
  if (p === undefined) return { known: false };
  return {
    state: p.state,
    direct: p.direct,
    heardAgoMs: p.lastHeardMs === undefined ? null : Math.round(detector.nowMs() - p.lastHeardMs),
    loadMs: p.vitals === undefined ? null : Math.round(p.vitals.loadMs),
    uptimeMs: p.vitals === undefined ? null : Math.round(p.vitals.uptimeMs),
    rttMs: p.link.rttMs === undefined ? null : Math.round(p.link.rttMs),
  };
};

const witness = detector.witness.bind(detector);
detector.witness = (peer, kind, nowMs) => {
  const before = known(peer);
  const result = witness(peer, kind, nowMs);
  if (kind !== 'joined') {
    const check = state.witnessChecks.find((c) => c.member.id === peer);
    line('witness', {
      peer,
      kind,
      ...before,
      windowMs: check === undefined ? null : Math.round(check.gapMs * 3),
      selfLateMs: Math.round(mesh.timerLateness().lastMs),
    });
  }
  return result;
};
mesh.addEventListener('status-change', (e) => {
  const d = (e as CustomEvent<{ peer: string; to: string; reason: string }>).detail;
  if (d.to === 'failed') line('verdict', { peer: d.peer, reason: d.reason, ...known(d.peer) });
});
const report = detector.reportTimerLateness.bind(detector);
detector.reportTimerLateness = (lateMs, nowMs) => {
  const result = report(lateMs, nowMs);
  if (lateMs >= STALL_LINE_MS)
    line('stall', {
      lateMs: Math.round(lateMs),
      remembered: state.startupOver(),
      reportedLoadMs: Math.round(state.vitals().loadMs),
    });
  return result;
};
process.on('SIGTERM', () => process.exit(0));
