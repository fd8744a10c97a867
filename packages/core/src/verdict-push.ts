/**
 * Trickle-style suppression of a witnessed verdict's push in a full mesh (decision 0066; Levis et al.,
 * Trickle; Floyd et al., SRM): every linked peer declares a witnessed crash within milliseconds, and
 * each pushed its own signed copy to `pushFanout` links. Here a declarer waits a random backoff
 * first, and pushes only if it has heard fewer than {@link CORROBORATING_ACCUSERS_MIN} independent
 * signers of the same verdict meanwhile: those already reached the room, ours would be one more copy.
 */
import { UpdateKind, type Update } from './codec.js';
import { verifyUpdate } from './signed-update.js';
import type { DetectorState } from './detector-state.js';
import type { Member } from './member.js';
import { randomInt } from './random.js';
import { push } from './send.js';
import { CORROBORATING_ACCUSERS_MIN, independentAccusers } from './trust.js';
import type { PeerId } from './types.js';

/** Longest random wait before a witnessed verdict's push (ms): a few LAN RTTs, well under a period. */
export const VERDICT_PUSH_BACKOFF_MS = 100;

/** A witnessed verdict waiting out its backoff. */
export interface PendingVerdictPush {
  member: Member;
  verdict: Update;
  dueMs: number;
  /** Other signers of the same verdict heard since it was declared (and before, `Member.declarers`). */
  signers: PeerId[];
}

/** Pending pushes per detector (at most one per member). */
const pending = new WeakMap<DetectorState, PendingVerdictPush[]>();

/** Schedules `verdict` (our own, about `m`) for a push after a random backoff. */
export function schedulePush(s: DetectorState, m: Member, verdict: Update): void {
  let list = pending.get(s);
  if (list === undefined) pending.set(s, (list = []));
  const i = list.findIndex((p) => p.member === m);
  if (i >= 0) list.splice(i, 1);
  const before = m.declaredIncarnation === m.incarnation ? (m.declarers ?? []) : [];
  list.push({
    member: m,
    verdict,
    dueMs: s.now + randomInt(s.random, VERDICT_PUSH_BACKOFF_MS + 1),
    signers: [...before],
  });
}

/**
 * Notes `u`, a `failed` skipped as old news here (`Admission.skip`), when our own push of that
 * verdict waits: its signer is counted once its signature verifies, so a forged copy cannot
 * withhold our push.
 */
export function noteVerdictHeard(s: DetectorState, u: Update): void {
  const list = pending.get(s);
  if (list === undefined || list.length === 0 || u.kind !== UpdateKind.failed || u.from === undefined) return;
  const p = list.find((q) => q.member.id === u.peer);
  if (p === undefined || u.incarnation !== p.verdict.incarnation || p.signers.includes(u.from)) return;
  if (s.trust === undefined) return;
  if (!s.verified.has(u)) {
    if (!verifyUpdate(s.trust, u)) return;
    s.verified.add(u);
  }
  p.signers.push(u.from);
}

/** Runs the pushes whose backoff ended: skipped when enough others signed the verdict meanwhile. */
export function runVerdictPushes(s: DetectorState): void {
  const list = pending.get(s);
  if (list === undefined) return;
  for (let i = list.length - 1; i >= 0; i--) {
    const p = list[i] as PendingVerdictPush;
    if (s.now < p.dueMs) continue;
    list.splice(i, 1);
    const m = p.member;
    if (m.state !== 'failed' || m.incarnation !== p.verdict.incarnation) continue;
    if (independentAccusers(s, p.signers) >= CORROBORATING_ACCUSERS_MIN) {
      s.counters.verdictPushesSuppressed += 1;
      continue;
    }
    push(s, [p.verdict], s.config.pushFanout, m.id);
  }
}

/** The earliest pending push's due time (ms), or Infinity. */
export function verdictPushDeadline(s: DetectorState): number {
  const list = pending.get(s);
  let t = Infinity;
  if (list !== undefined) for (const p of list) t = Math.min(t, p.dueMs);
  return t;
}
