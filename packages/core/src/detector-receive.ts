/**
 * `Detector.receive`: bytes from a peer, decoded (bad bytes counted and reported, never thrown),
 * the speaker heard, each piggybacked update admitted and applied, then the message body handled.
 * The `Detector` brackets it with `begin`/`end`.
 */
import { DecodeErrorCode, MessageType, UpdateKind, decode, type Update } from './codec.js';
import { DECODE_ERROR_EVENT_GAP_MS, type DetectorState } from './detector-state.js';
import { applyUpdate } from './gossip.js';
import type { Member } from './member.js';
import { relinkRestored, restore } from './past-members.js';
import { handleBody, heardFrom } from './receive.js';
import { Admission, admitUpdate } from './trust.js';
import type { PeerId } from './types.js';
import { witnessAcked } from './witness.js';

/** Handles bytes from `from`. Never throws on bad bytes: counts them and emits `decode-error`. */
export function receiveBytes(s: DetectorState, from: PeerId, bytes: Uint8Array): void {
  s.counters.messagesReceived += 1;
  s.counters.bytesReceived += bytes.length;
  if (s.hasLeft) return;
  const result = decode(bytes);
  if (!result.ok) {
    s.counters.decodeErrors += 1;
    if (result.error.code === DecodeErrorCode.nonCanonicalPeerId) s.counters.peerIdsRefused += 1;
    reportBadInput(s, from, result.error.code);
    return;
  }
  if (result.idsRefused > 0) {
    s.counters.peerIdsRefused += result.idsRefused;
    reportBadInput(s, from, DecodeErrorCode.nonCanonicalPeerId);
  }
  const msg = result.message;
  // Half of what a peer receives is its probe target's ack: the target is a member (never
  // evicted or reaped while probed), so the member-table lookup (a cache miss at scale) is skipped.
  const t = s.target;
  const m =
    t !== null && t.id === from && !t.evicted
      ? t
      : (s.members.get(from) ?? restoreSpeaker(s, from, msg.type));
  if (m === undefined) s.counters.messagesFromUnknown += 1;
  else {
    heardFrom(s, m, msg.seq, bytes.length, msg.type);
    // Only an ack of a ping sent since the witness proves life (`witnessAcked`).
    if (s.witnessChecks.length > 0 && msg.type === MessageType.ack && !msg.relayed)
      witnessAcked(s, m, msg.ackSeq);
  }
  s.counters.updatesReceived += msg.updates.length;
  const sync = msg.type === MessageType.sync;
  if (sync && s.syncWanted && s.syncAskedOf.has(from)) s.syncWanted = false;
  const nack = msg.type === MessageType.nack;
  // An index loop: `for…of` here allocated an iterator per message (this function is too large
  // for V8 to optimise it away; ~3 % of all bytes allocated at 10,000 nodes).
  const updates = msg.updates;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i] as Update;
    // A relay's "I tried it too" rides on its nack; it concerns that probe only (`handleBody`).
    if (nack && u.kind === UpdateKind.suspect && u.from === from) continue;
    const admission = admitUpdate(s, u, from);
    if (admission === Admission.refuse) continue;
    if (admission === Admission.apply) applyUpdate(s, u, from, sync);
    // A skipped update (old news here) still says its sender holds it: without this, a peer
    // holding a verdict kept piggybacking it to every accuser that sent it the same verdict.
    // Unverified, so `from` may lie about holding it; that only withholds copies from `from`
    // itself, which it could drop anyway (`BroadcastQueue.held`).
    if (s.queue.size > 0) s.queue.held(from, u);
  }
  handleBody(s, from, m, msg);
}

/**
 * Counts bad input from `from` toward the next `decode-error` event. A flood of garbage must not
 * become a flood of events and log lines: one per gap, with the count since the previous one.
 */
function reportBadInput(s: DetectorState, from: PeerId, code: DecodeErrorCode): void {
  s.decodeErrorsUnreported += 1;
  if (s.now - s.lastDecodeErrorEventMs < DECODE_ERROR_EVENT_GAP_MS) return;
  s.lastDecodeErrorEventMs = s.now;
  const count = s.decodeErrorsUnreported;
  s.decodeErrorsUnreported = 0;
  s.emit('decode-error', { peer: from, error: code, atMs: s.now, count });
}

/**
 * A past member that speaks is back (a hung peer whose link stayed open, say): restored as it
 * ended, so `heardFrom` moves it on and tells it its verdict. A goodbye does not bring it back.
 */
function restoreSpeaker(s: DetectorState, from: PeerId, type: MessageType): Member | undefined {
  const past = s.past.get(from);
  if (past === undefined || type === MessageType.leave) return undefined;
  const m = restore(s, past);
  relinkRestored(s, m, past);
  if (m.linked && m.state !== 'left') s.rotation.enroll(m);
  return m;
}
