/**
 * The signaling-session witness (decision 0013). Every peer holds a WebSocket to the signaling server;
 * when a process dies its socket is closed by its operating system or browser at once, while a
 * stalled one keeps it open. The server reports how each member's session ended; the runtime hands
 * that to the detector (`Detector.witness`). A `closed-by-peer` witness makes this peer probe the
 * peer at once (three pings, then three more after one probe timeout); with no answer and no
 * refutation by the end of the window it is `failed` with reason `witnessed`, without the
 * suspicion wait. The window stretches to cover the longest stall the peer reported in its vital
 * signs, so a janky tab whose socket resets during a long task is not failed. `timed-out` and
 * `left` only mark the peer's signaling as lost: they are no crash evidence.
 */
import { MessageType } from './codec.js';
import type { DetectorState } from './detector-state.js';
import type { Member } from './member.js';
import { declareFailed } from './membership.js';
import { sendMember } from './send.js';

/** How a peer's signaling session ended (or that it has a session again). */
export const WitnessKind = {
  /** Close frame without a leave, TCP FIN or RST: what a dying process's socket does. */
  closedByPeer: 'closed-by-peer',
  /** The server's ping or idle timeout: a stalled or cut-off peer, not evidence of a crash. */
  timedOut: 'timed-out',
  /** A graceful leave of the signaling room. */
  left: 'left',
  /** The peer has a signaling session again (joined or reconnected). */
  joined: 'joined',
} as const;
export type WitnessKind = (typeof WitnessKind)[keyof typeof WitnessKind];

/** Pings per round of a witnessed check: a live peer is failed only if all six round trips fail. */
export const WITNESS_PINGS = 3;
/** Longest reported stall (ms) a witnessed check waits for on top of its two probe timeouts. */
export const WITNESS_STALL_ALLOWANCE_MS_MAX = 3_000;
/** Concurrent witnessed checks (bounded work; a mass failure beyond it takes the normal path). */
export const WITNESS_CHECKS_MAX = 256;

/** A witnessed check in flight: answered by any message from the peer, else `failed` at `deadlineMs`. */
export interface WitnessCheck {
  member: Member;
  incarnation: number;
  retryAtMs: number;
  deadlineMs: number;
}

/** Applies one witness about `m` (never about this peer: the runtime knows its own session). */
export function applyWitness(s: DetectorState, m: Member, kind: WitnessKind): void {
  s.counters.witnessesReceived += 1;
  if (kind === WitnessKind.joined) {
    m.signalingLost = false;
    return;
  }
  m.signalingLost = true;
  if (kind !== WitnessKind.closedByPeer) return;
  if (!m.linked || m.state === 'failed' || m.state === 'left' || m.evicted) return;
  // A frozen tab cannot answer but will resume: the patient path (frozenPatienceMult) decides.
  if (m.vitals?.lifecycle === 'frozen') return;
  if (s.witnessChecks.some((c) => c.member === m)) return;
  if (s.witnessChecks.length >= WITNESS_CHECKS_MAX) return;
  pingAll(s, m);
  const timeoutMs = s.probeTimeoutFor(m, false);
  const stallMs = Math.min(WITNESS_STALL_ALLOWANCE_MS_MAX, m.vitals?.loadMs ?? 0);
  s.witnessChecks.push({
    member: m,
    incarnation: m.incarnation,
    retryAtMs: s.now + timeoutMs,
    deadlineMs: s.now + 2 * timeoutMs + stallMs,
  });
  s.counters.witnessChecks += 1;
}

/** `m` spoke (any message): its witnessed check, if any, is answered. */
export function witnessAnswered(s: DetectorState, m: Member): void {
  const i = s.witnessChecks.findIndex((c) => c.member === m);
  if (i < 0) return;
  s.witnessChecks.splice(i, 1);
  s.counters.witnessChecksAnswered += 1;
}

/** Runs due witnessed checks: the retry round, then the verdict. */
export function runWitnessChecks(s: DetectorState): void {
  for (let i = s.witnessChecks.length - 1; i >= 0; i--) {
    const c = s.witnessChecks[i] as WitnessCheck;
    const m = c.member;
    if (s.now >= c.deadlineMs) {
      s.witnessChecks.splice(i, 1);
      const alive = m.state === 'healthy' || m.state === 'suspected' || m.state === 'recovering';
      if (alive && !m.evicted && m.incarnation === c.incarnation) declareFailed(s, m, 'witnessed');
    } else if (s.now >= c.retryAtMs) {
      c.retryAtMs = Infinity;
      if (m.linked) pingAll(s, m);
    }
  }
}

/** The earliest deadline of the witnessed checks (ms). */
export function witnessDeadline(s: DetectorState): number {
  let t = Infinity;
  for (const c of s.witnessChecks) t = Math.min(t, c.retryAtMs, c.deadlineMs);
  return t;
}

function pingAll(s: DetectorState, m: Member): void {
  for (let k = 0; k < WITNESS_PINGS; k++)
    sendMember(s, m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, k === 0);
}
