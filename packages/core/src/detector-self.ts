/**
 * What the runtime tells the detector about this peer itself: its goodbye (`Detector.leave`), its
 * lifecycle, its timers' lateness, its load and metadata, and the transport's message limit. The
 * `Detector` brackets the ones that may send with `begin`/`end`.
 */
import { MessageType, UpdateKind } from './codec.js';
import type { DetectorState } from './detector-state.js';
import { assert } from './errors.js';
import { LocalHealthCause } from './local-health.js';
import { sendMember } from './send.js';
import { selfStatement } from './trust.js';
import type { Lifecycle } from './types.js';
import { announceStall, pushVitals } from './witness.js';

/** Graceful leave: tells every linked peer (and gossip); afterwards the detector is inert. */
export function leave(s: DetectorState): void {
  if (s.hasLeft) return;
  const left = selfStatement(s, UpdateKind.left);
  s.queue.push(left);
  // With trust the goodbye carries the signed `left`, which receivers relay as the proof.
  const extra = s.trust === undefined ? [] : [left];
  for (const m of s.linked) {
    sendMember(
      s,
      m,
      { type: MessageType.leave, seq: 0, incarnation: s.incarnation, updates: [], extensions: [] },
      true,
      extra,
    );
  }
  s.hasLeft = true;
}

/** Sets this peer's lifecycle; on a change, pushes vital signs to every linked peer. */
export function setLifecycle(s: DetectorState, lifecycle: Lifecycle): void {
  if (lifecycle !== s.lifecycle && !s.hasLeft) {
    s.lifecycle = lifecycle;
    pushVitals(s);
  }
  s.lifecycle = lifecycle;
}

/**
 * The runtime's timer fired `lateMs` late; a late timer (> `timerLateMsMax`) raises local health
 * (≤ once per period). A stall well past the longest one this peer announced pushes its vital
 * signs to every link, so witnessed checks of it wait out such stalls.
 */
export function reportTimerLateness(s: DetectorState, lateMs: number): void {
  s.recordLateness(lateMs);
  if (!s.hasLeft) announceStall(s);
  if (lateMs > s.config.timerLateMsMax && s.now - s.lastLateStrikeMs >= s.periodMs) {
    s.lastLateStrikeMs = s.now;
    s.counters.lateTimers += 1;
    s.adjustScore(LocalHealthCause.timerLate);
  }
}

/** Sets the load reported on acks (ms of event-loop lag, as measured by the runtime). */
export function setLoad(s: DetectorState, loadMs: number): void {
  s.loadMs = Math.max(0, loadMs);
}

/** Sets the application metadata carried on acks. Throws when longer than `metadataBytesMax`. */
export function setMetadata(s: DetectorState, bytes: Uint8Array): void {
  assert(
    bytes.length <= s.config.metadataBytesMax,
    `metadata exceeds metadataBytesMax (${s.config.metadataBytesMax})`,
  );
  s.metadata = bytes.slice();
}

/** Lowers the largest message built to the transport's limit. */
export function limitMessageBytes(s: DetectorState, maxBytes: number): void {
  assert(maxBytes >= 256, 'transport maxMessageBytes must be ≥ 256');
  s.messageBytesMax = Math.min(s.config.messageBytesMax, maxBytes);
}
