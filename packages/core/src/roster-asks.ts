/**
 * Roster asks (decision 0034): a peer whose signaling roster lists a member it holds no record of
 * asks one of its links about it. A joiner's `alive` is gossiped a bounded number of times
 * (`retransmitMult`), which on a sparse mesh (degree ≤ 6) leaves a few peers that never hear it;
 * nothing repaired that, though the roster names the joiner at every peer. The ask is a
 * `sync-req` carrying a `wanted` extension (type 4: the ids); the link answers with the records it
 * holds for them in a `sync`, admitted and verified as any other (a forged or stale record is
 * refused or ignored as it would be from gossip). Bounded both ways: an asker asks about a member
 * only after two roster scans found it missing, at most `ROSTER_ASKS_PER_MEMBER` times, at most
 * `ROSTER_ASK_IDS_MAX` ids an ask, one ask per `ROSTER_ASK_GAP_MS`; a link answers one ask per
 * requester per `ROSTER_ANSWER_GAP_MS`, each id once, and none from a flagged liar.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import {
  DecodeErrorCode,
  ExtensionType,
  HEADER_BYTES,
  MessageType,
  readId,
  writeId,
  type Extension,
  type Update,
} from './codec.js';
import type { DetectorState } from './detector-state.js';
import type { Member } from './member.js';
import { chunkUpdates } from './member-view.js';
import { knownMember, relayable, stateUpdate } from './trust.js';
import { sendMember } from './send.js';
import type { PeerId } from './types.js';

/** A roster scan runs once per this many ms (at a probe, so it arms no timer of its own). */
export const ROSTER_SCAN_MS = 5_000;
/** Most ids one ask names (and one answer serves; more in a request are a malformed extension). */
export const ROSTER_ASK_IDS_MAX = 16;
/** Asks about one member before this peer gives up on it (a crashed peer stays on the roster). */
export const ROSTER_ASKS_PER_MEMBER = 3;
/** Roster ids a scan looks at, at most (the next scan walks on from there). */
export const ROSTER_SCAN_IDS_MAX = 64;
/** A link answers at most one ask per requester per this many ms. */
export const ROSTER_ANSWER_GAP_MS = 1_000;
/**
 * An asker's asks are at least this many ms apart (above {@link ROSTER_ANSWER_GAP_MS}: two asks to
 * one link must not arrive within its gap through jitter); a scan's 64 ids take 4 asks, ~4 s.
 */
export const ROSTER_ASK_GAP_MS = 1_250;
/** Members remembered as missing or asked about; the asked counts are cleared when full. */
const ROSTER_TRACKED_MAX = 4_096;

/** The `wanted` extension's body: count:u8, then that many ids (as on the wire). */
export function wantedExtension(ids: readonly PeerId[]): Extension {
  const w = new ByteWriter(64);
  w.u8(ids.length);
  for (const id of ids) writeId(w, id);
  return { type: ExtensionType.wanted, bytes: w.finish() };
}

/**
 * The ids of a `wanted` extension, or `undefined` when it is malformed (count 0 or above
 * {@link ROSTER_ASK_IDS_MAX}, a bad id, truncated, trailing bytes), or `non-canonical-peer-id`
 * when it is well-formed but names an id that is not canonical (decision 0052: the ask is refused).
 */
export function readWanted(
  bytes: Uint8Array,
): PeerId[] | undefined | typeof DecodeErrorCode.nonCanonicalPeerId {
  const r = new ByteReader(bytes);
  const n = r.u8();
  if (r.error !== undefined || n < 1 || n > ROSTER_ASK_IDS_MAX) return undefined;
  const ids: PeerId[] = [];
  let canonical = true;
  for (let i = 0; i < n; i++) {
    const id = readId(r);
    if (r.error !== undefined) return undefined;
    if (id === undefined) canonical = false;
    else ids.push(id);
  }
  if (r.remaining !== 0) return undefined;
  return canonical ? ids : DecodeErrorCode.nonCanonicalPeerId;
}

/** Every roster id this peer can list: its own admitted set and the driver's shared roster. */
function* rosterIds(s: DetectorState): Generator<PeerId, void, undefined> {
  yield* s.admitted;
  const keys = s.roster?.keys;
  if (keys !== undefined) yield* keys.call(s.roster);
}

/** Whether a record learned now could take a slot: room in the table, or a stranger to push out. */
function roomFor(s: DetectorState): boolean {
  if (s.members.size < s.config.membersMax) return true;
  for (const m of s.members.values()) if (!m.linked && m !== s.target && !knownMember(s, m.id)) return true;
  return false;
}

/**
 * Called at each probe: every {@link ROSTER_SCAN_MS}, walks on through the roster (at most
 * {@link ROSTER_SCAN_IDS_MAX} ids a scan: a roster of 10,000 costs what one of 64 does) for members
 * with no record (not a member, not a past member); those the previous pass over the roster missed
 * too are asked about, each once a pass, in asks of {@link ROSTER_ASK_IDS_MAX} ids
 * {@link ROSTER_ASK_GAP_MS} apart (one at this probe, the rest at the next ones), links in turn. A
 * pass ends at a scan: on a roster of up to 64 a pass is a scan, so a member is asked about when
 * two scans 5 s apart both missed it, whatever else the roster lists and in whatever order: every
 * id a scan finds is asked about before the next scan (decision 0034, amended in session 18).
 */
export function scanRoster(s: DetectorState): void {
  if (Number.isNaN(s.rosterScanAtMs)) s.rosterScanAtMs = s.now + ROSTER_SCAN_MS;
  if (s.now >= s.rosterScanAtMs) walkRoster(s);
  if (s.rosterPending.length > 0 && s.now - s.rosterAskedAtMs >= ROSTER_ASK_GAP_MS) askPending(s);
}

/** One scan: the next {@link ROSTER_SCAN_IDS_MAX} roster ids; the missing ones to ask about pend. */
function walkRoster(s: DetectorState): void {
  s.rosterScanAtMs = s.now + ROSTER_SCAN_MS;
  // What the last scan did not get to ask is found again by this pass, if still missing.
  s.rosterPending = [];
  if (s.linked.length === 0) return;
  s.rosterCursor ??= rosterIds(s);
  const found: PeerId[] = [];
  for (let budget = ROSTER_SCAN_IDS_MAX; budget > 0; budget--) {
    const next = s.rosterCursor.next();
    if (next.done === true) {
      // The pass ends here: what it missed is what the next pass asks about.
      s.rosterMissing = s.rosterSeen;
      s.rosterSeen = new Set();
      s.rosterCursor = rosterIds(s);
      break;
    }
    const id = next.value;
    if (id === s.localId || s.members.has(id) || s.past.get(id) !== undefined) continue;
    if ((s.rosterAsked.get(id) ?? 0) >= ROSTER_ASKS_PER_MEMBER || s.rosterSeen.has(id)) continue;
    if (s.rosterSeen.size < ROSTER_TRACKED_MAX) s.rosterSeen.add(id);
    if (s.rosterMissing.has(id)) found.push(id);
  }
  // Asked first when not all can be before the next scan (a hidden tab's 1 s timer grid, no link
  // or room for a while): the ids asked least, so no id waits behind others scan after scan (a
  // sort is stable: in roster order among equals, as before when all fit in one ask).
  found.sort((a, b) => (s.rosterAsked.get(a) ?? 0) - (s.rosterAsked.get(b) ?? 0));
  s.rosterPending = found;
}

/** Asks one link (in turn) about the next {@link ROSTER_ASK_IDS_MAX} pending ids still missing. */
function askPending(s: DetectorState): void {
  if (!roomFor(s)) return;
  const links = s.linked.filter((m) => !m.liar && m.state !== 'failed' && m.state !== 'left');
  if (links.length === 0) return;
  const ask: PeerId[] = [];
  let i = 0;
  for (; i < s.rosterPending.length && ask.length < ROSTER_ASK_IDS_MAX; i++) {
    const id = s.rosterPending[i] as PeerId;
    if (!s.members.has(id) && s.past.get(id) === undefined) ask.push(id);
  }
  s.rosterPending.splice(0, i);
  if (ask.length === 0) return;
  const to = links[s.rosterAskTurn++ % links.length] as Member;
  if (s.rosterAsked.size >= ROSTER_TRACKED_MAX) s.rosterAsked.clear();
  for (const id of ask) s.rosterAsked.set(id, (s.rosterAsked.get(id) ?? 0) + 1);
  s.rosterAskedAtMs = s.now;
  s.counters.rosterAsksSent += 1;
  const msg = { type: MessageType.syncRequest, seq: 0, updates: [], extensions: [wantedExtension(ask)] };
  sendMember(s, to, msg, false);
}

/**
 * A `sync-req` with a `wanted` extension from `m`: the records held for those ids, each once, in
 * a `sync` (at most one answer per requester per {@link ROSTER_ANSWER_GAP_MS}). A malformed
 * extension or one naming a non-canonical id (also counted in `peerIdsRefused`), an ask within the gap, or one from a flagged liar or from a sender this peer holds no
 * record of is counted (`rosterAsksRejected`) and answered with nothing; so is each repeat of an
 * id in one ask (the id is answered once).
 */
export function answerWanted(s: DetectorState, m: Member | undefined, e: Extension): void {
  const read = m === undefined || m.liar ? undefined : readWanted(e.bytes);
  if (read === DecodeErrorCode.nonCanonicalPeerId) s.counters.peerIdsRefused += 1;
  const ids = read === DecodeErrorCode.nonCanonicalPeerId ? undefined : read;
  if (m === undefined || ids === undefined || s.now - m.lastAskServedMs < ROSTER_ANSWER_GAP_MS) {
    s.counters.rosterAsksRejected += 1;
    return;
  }
  m.lastAskServedMs = s.now;
  const updates: Update[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as PeerId;
    if (ids.indexOf(id) < i) {
      s.counters.rosterAsksRejected += 1;
      continue;
    }
    const x = s.members.get(id);
    if (x === undefined || x === m) continue;
    const u = stateUpdate(s, x);
    if (relayable(s, u)) updates.push(u);
  }
  s.counters.rosterAsksAnswered += 1;
  for (const chunk of chunkUpdates(updates, s.messageBytesMax - HEADER_BYTES - 1 - 8))
    sendMember(s, m, { type: MessageType.sync, seq: 0, updates: chunk, extensions: [] }, false);
}

/** The `wanted` extension of a message's extensions, if any. */
export function wantedOf(extensions: readonly Extension[]): Extension | undefined {
  for (const e of extensions) if (e.type === ExtensionType.wanted) return e;
  return undefined;
}
