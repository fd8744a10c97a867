// The benchmark's page (bundled by scripts/bench-mesh.peers.ts with esbuild): one mesh peer per tab,
// configured from the query string, recording every status change with a wall-clock timestamp.
import { peerEvidence } from '../apps/edge-peer/src/peer-evidence.js';
import { createMesh } from '../packages/webrtc/src/index.js';
import type { LateTick, SessionEnd, Transition } from './bench-mesh.peers.js';

const params = new URLSearchParams(location.search);
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Where a late tick's lateness came from, per tick of the detector clock that was late (≥ 20 ms):
 * `armedPastMs`, how far its deadline was already past when the runtime first saw it (not timer
 * lateness); `toWorkerMs`, the arm message's way to the tick Worker; `workerLateMs`, the Worker's
 * own setTimeout lateness; `backMs`, the Worker's message waiting for the page's main thread.
 * The Worker half is recorded with `diag=1` only (it replaces the tick Worker by an instrumented one
 * speaking the same protocol).
 */
const lateTicks: LateTick[] = [];
/** Long tasks (≥ 50 ms) of this page's main thread: start (epoch ms) and duration. */
const longTasks: { t: number; ms: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      longTasks.push({ t: Math.round(performance.timeOrigin + e.startTime), ms: Math.round(e.duration) });
    if (longTasks.length > 4_000) longTasks.splice(0, 1_000);
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // no longtask entries in this browser: lateTicks alone
}
interface Arm {
  sentAt: number;
  delayMs: number;
}
/** The detector's current deadline and when the runtime first saw it (page ms). */
let deadlineSeen = { at: 0, deadline: 0 };
let firing: (Arm & { recvAt: number; firedAt: number; gotAt: number }) | undefined;
if (params.get('diag') === '1') {
  const workerSource = `
const timers = new Map();
onmessage = (e) => {
  const { id, delayMs } = e.data;
  if (delayMs < 0) { clearTimeout(timers.get(id)); timers.delete(id); return; }
  const recvAt = performance.timeOrigin + performance.now();
  timers.set(id, setTimeout(() => {
    timers.delete(id);
    postMessage({ id, recvAt, firedAt: performance.timeOrigin + performance.now() });
  }, delayMs));
};`;
  const RealWorker = Worker;
  const arms = new Map<number, Arm>();
  class DiagWorker extends RealWorker {
    constructor() {
      super(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
    }
    override postMessage(message: { id: number; delayMs: number }): void {
      if (message.delayMs >= 0) {
        arms.set(message.id, { sentAt: epochNow(), delayMs: message.delayMs });
      } else arms.delete(message.id);
      super.postMessage(message);
    }
    override set onmessage(handler: ((e: MessageEvent) => void) | null) {
      super.onmessage = (e: MessageEvent<{ id: number; recvAt: number; firedAt: number }>) => {
        const arm = arms.get(e.data.id);
        arms.delete(e.data.id);
        if (arm) firing = { ...arm, recvAt: e.data.recvAt, firedAt: e.data.firedAt, gotAt: epochNow() };
        handler?.(new MessageEvent('message', { data: e.data.id }));
        firing = undefined;
      };
    }
  }
  (globalThis as { Worker: typeof Worker }).Worker = DiagWorker as typeof Worker;
}
const mesh = createMesh({
  signalUrl: params.get('signal') ?? '',
  room: params.get('room') ?? 'bench',
  peerId: params.get('id') ?? `tab-${Math.random().toString(36).slice(2, 8)}`,
  config: JSON.parse(params.get('config') ?? '{}') as Record<string, number>,
  clock: (params.get('clock') ?? 'auto') as 'auto' | 'worker' | 'timers',
});
{
  const d = mesh.detector;
  const report = d.reportTimerLateness.bind(d);
  d.reportTimerLateness = (lateMs, nowMs) => {
    if (lateMs >= 20) {
      const tick: LateTick = { t: Math.round(epochNow()), lateMs: Math.round(lateMs) };
      const deadline = nowMs - lateMs;
      if (Math.abs(deadlineSeen.deadline - deadline) < 0.01)
        tick.armedPastMs = Math.round(Math.max(0, deadlineSeen.at - deadline));
      if (firing) {
        tick.delayMs = Math.round(firing.delayMs);
        tick.toWorkerMs = Math.round(firing.recvAt - firing.sentAt);
        tick.workerLateMs = Math.round(firing.firedAt - firing.recvAt - firing.delayMs);
        tick.backMs = Math.round(firing.gotAt - firing.firedAt);
      }
      lateTicks.push(tick);
      if (lateTicks.length > 4_000) lateTicks.splice(0, 1_000);
    }
    return report(lateMs, nowMs);
  };
  const next = d.nextDeadlineMs.bind(d);
  d.nextDeadlineMs = () => {
    const deadline = next();
    if (deadline !== deadlineSeen.deadline) deadlineSeen = { at: performance.now(), deadline };
    return deadline;
  };
}
// Each status change and session end with what this tab knew of the peer then (`peerEvidence`).
const events: Transition[] = [];
mesh.addEventListener('status-change', (e) => {
  const d = (e as CustomEvent<{ peer: string; from: string; to: string; reason: string }>).detail;
  const evidence = peerEvidence(mesh, d.peer);
  events.push({ t: Date.now(), peer: d.peer, from: d.from, to: d.to, reason: d.reason, evidence });
});
const sessionEnds: SessionEnd[] = [];
mesh.addEventListener('presence', (e) => {
  const d = (e as CustomEvent<{ peer: string; present: boolean }>).detail;
  if (!d.present) sessionEnds.push({ t: Date.now(), peer: d.peer, ...peerEvidence(mesh, d.peer) });
});
(window as unknown as { bench: unknown }).bench = {
  id: mesh.localId,
  events,
  sessionEnds,
  lateTicks,
  longTasks,
  states: () => Object.fromEntries(mesh.peers().map((p) => [p.id, p.state])),
  hang: () => mesh.faults.hang(),
  freeze: (ms: number) => mesh.faults.freeze(ms),
  probes: () => mesh.detector.stats().probesSent,
  visibility: () => document.visibilityState,
};
document.title = mesh.localId;
