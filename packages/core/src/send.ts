/**
 * Sending: per-link sequence numbers, piggybacked updates within the byte budget, pushes of
 * verdicts and refutations, and the full-state sync a joiner asks for.
 */
import { Spend, type PastHolders } from './broadcast-queue.js';
import { HEADER_BYTES, MessageType, encode, updateBytes, type Message, type Update } from './codec.js';
import { retransmitLimit } from './config.js';
import { AssertionError } from './errors.js';
import type { Member } from './member.js';
import { chunkUpdates } from './member-view.js';
import { relayable, stateUpdate } from './trust.js';
import { randomInt } from './random.js';
import { Lifecycle, type PeerId } from './types.js';
import type { DetectorState } from './detector-state.js';
import {
  BODY_RESERVE_BYTES,
  HIDDEN_TIMER_GRID_MS,
  Phase,
  SYNC_ASKS_MAX,
  SYNC_RETRY_PERIODS,
  SYNC_SERVE_GAP_MS,
} from './detector-state.js';

/** Bytes of piggybacked updates one message may carry: the config budget, within `messageBytesMax`. */
export function piggybackBudget(s: DetectorState): number {
  return Math.min(
    s.config.piggybackBytesMax,
    s.messageBytesMax - BODY_RESERVE_BYTES - s.config.metadataBytesMax,
  );
}

/**
 * Sends to a member (per-link sequence numbers, byte counts); returns the sequence number used.
 * A member this peer holds `suspected` or `failed` is always told so (the update rides first), so
 * a live one refutes with a higher incarnation as soon as it hears from us, e.g. after a partition.
 * Such a member gets nothing else from the queue: it is most likely dead (a crashed peer's link can
 * stay up for a while), and every piggybacked copy it got was a transmission lost to the others;
 * if it answers after all, it refutes and rejoins gossip (`heardFrom` tells a `failed` one its verdict).
 * `spend`: what the piggybacked copies spend of their transmissions ({@link Spend}: replies
 * together one destination's share, a witnessed check's nothing but the update about `m`).
 */
export function sendMember(
  s: DetectorState,
  m: Member,
  msg: Message,
  piggyback: boolean,
  extra: readonly Update[] = NO_EXTRA,
  spend: Spend = Spend.chosen,
): number {
  m.sendSeq = (m.sendSeq + 1) & 0xffff;
  msg.seq = m.sendSeq;
  if (msg.type === MessageType.ping) notePing(s, m);
  const accused = m.state === 'suspected' || m.state === 'failed';
  const verdict = piggyback && accused && !extra.some((u) => u.peer === m.id);
  const n = sendTo(
    s,
    m.id,
    msg,
    piggyback && !accused,
    verdict ? [stateUpdate(s, m), ...extra] : extra,
    spend,
    m,
  );
  m.bytesSent += n;
  return msg.seq;
}

/**
 * With trust, a ping to `m` extends the chain of unanswered pings (`Member.silentSinceMs`): one
 * sent within `chainGapMs` of the last extends it; a later one starts a new chain. Pings sent
 * within `probeTimeoutMsMin` of the chain's first are one moment (a relay's or a check's pair):
 * the chain is followed up (`followSilences`) and confirmed by its second moment, from which own
 * silence counts, so one lost exchange never dates a silence before a freeze (decision 0029). A
 * chain this peer's own probe began (timed by the rotation, not by another member) counts from
 * at most `probeTimeoutMsMin` before that moment: the retry a minimum timeout after the direct
 * ping then counts from the direct ping, as decision 0024 did. A lone unanswered ping (most lost
 * datagrams) costs nothing more: the next one more than `chainGapMs` later starts afresh.
 */
export function notePing(s: DetectorState, m: Member): void {
  if (s.trust === undefined) return;
  const last = m.lastPingMs;
  m.lastPingMs = s.now;
  if (Number.isNaN(last)) m.quietSinceMs = s.now;
  if (Number.isNaN(last) || s.now - last > chainGapMs(s)) {
    m.unansweredSinceMs = s.now;
    m.silentSinceMs = NaN;
    // Our own probe, timed by the rotation: nobody else can time it just before a freeze.
    m.chainFromProbe = s.target === m && s.phase === Phase.direct;
    return;
  }
  s.silent.add(m);
  const minMs = s.config.probeTimeoutMsMin;
  if (!Number.isNaN(m.silentSinceMs) || s.now - m.unansweredSinceMs < minMs) return;
  // The second moment: a chain our probe began counts from at most `probeTimeoutMsMin` before it
  // (the probe's first ping, with a minimum timeout), any other from the second moment itself.
  m.silentSinceMs = m.chainFromProbe ? Math.max(m.unansweredSinceMs, s.now - minMs) : s.now;
}

/**
 * Longest gap between two unanswered pings of one chain (ms): the longest period plus the longest
 * probe timeout (550 ms for `browser`). Not stretched by local health: a liar that raises our
 * local health (refuted suspicions) must not join pings seconds apart into one silence (decision
 * 0029). While this peer is hidden, whose timers fire on a 1 s grid, its grid step plus the
 * longest probe timeout (1,250 ms for `browser`): else its pings never join a chain and a room of
 * hidden tabs never declares a hang (decision 0033; its own silence waits a grid step more).
 */
export function chainGapMs(s: DetectorState): number {
  const gapMs = s.config.probeIntervalMsMax + s.config.probeTimeoutMsMax;
  if (s.lifecycle !== Lifecycle.hidden) return gapMs;
  return Math.max(gapMs, HIDDEN_TIMER_GRID_MS + s.config.probeTimeoutMsMax);
}

/** The default `extra` of {@link sendTo}: one shared empty list, not a new one per message. */
export const NO_EXTRA: readonly Update[] = [];

/**
 * Encodes and queues one message: `extra` updates first, then piggybacked ones within the budget
 * (`spend`: what they spend of their transmissions, {@link Spend}, `BroadcastQueue.take`).
 */
export function sendTo(
  s: DetectorState,
  to: PeerId,
  msg: Message,
  piggyback = true,
  extra: readonly Update[] = NO_EXTRA,
  spend: Spend = Spend.chosen,
  mine?: PastHolders,
): number {
  if (piggyback && s.queue.size > 0) {
    let budget = piggybackBudget(s);
    for (let i = 0; i < extra.length; i++) budget -= updateBytes(extra[i] as Update);
    const taken = s.queue.take(
      to,
      Math.max(0, budget),
      retransmitLimit(s.config.retransmitMult, s.clusterSize()),
      spend,
      s.linked.length,
      mine,
    );
    s.counters.updatesSent += taken.length;
    msg.updates =
      extra.length === 0 ? taken : [...extra, ...taken.filter((u) => !extra.some((e) => e.peer === u.peer))];
  } else if (extra.length > 0) msg.updates = extra;
  const bytes = encode(msg);
  // Not `assert(…, \`…\`)`: that builds the message string on every send (a hot path at 10k nodes).
  if (bytes.length > s.messageBytesMax)
    throw new AssertionError(`message of ${bytes.length} bytes exceeds messageBytesMax`);
  (s.stepSends ??= []).push({ to, bytes });
  s.counters.messagesSent += 1;
  s.counters.bytesSent += bytes.length;
  return bytes.length;
}

/**
 * Tells `m` what this peer believes about it (its `failed` or `left` verdict) in a one-update
 * `sync`, so a live or returning peer refutes above that incarnation.
 */
export function sendVerdict(s: DetectorState, m: Member): void {
  // With trust, its own signed alive at that incarnation rides along: a peer that restarted with
  // its old key but not its incarnation learns how far its previous life got, and refutes above.
  const proof = m.proof !== undefined && m.proof.incarnation === m.incarnation ? [m.proof] : [];
  sendMember(
    s,
    m,
    { type: MessageType.sync, seq: 0, updates: [stateUpdate(s, m), ...proof], extensions: [] },
    false,
  );
}

/**
 * Pushes `updates` at once in a `sync`-type message (receivers treat it like piggybacked gossip)
 * to `fanout` random linked members other than `except` (all of them when `fanout` is Infinity),
 * `copies` times each (independent losses). `only`: the links that may be drawn (all by default).
 */
export function push(
  s: DetectorState,
  updates: readonly Update[],
  fanout: number,
  except: PeerId | undefined,
  copies = 1,
  only?: (m: Member) => boolean,
): void {
  const targets = s.linked.filter((m) => m.id !== except && m.state !== 'left' && (only?.(m) ?? true));
  const k = Math.min(fanout, targets.length);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(s.random, targets.length - i);
    const m = targets[j] as Member;
    targets[j] = targets[i] as Member;
    for (let c = 0; c < copies; c++) {
      sendMember(s, m, { type: MessageType.sync, seq: 0, updates, extensions: [] }, false);
      s.counters.pushesSent += 1;
    }
  }
}

/** A joiner asks `m` for the whole member table (answered by `sendSync`). */
export function askSync(s: DetectorState, m: Member): void {
  s.syncAsked += 1;
  s.syncAskedOf.add(m.id);
  // Bounded: after SYNC_ASKS_MAX unanswered asks (peers too old to know sync-req?) gossip must do.
  s.syncRetryAtMs = s.syncAsked < SYNC_ASKS_MAX ? s.now + SYNC_RETRY_PERIODS * s.periodMs : Infinity;
  // With our incarnation when a restart raised it, so the answer does not revive our old verdicts.
  const self = s.incarnation > 0 ? [s.selfUpdate()] : [];
  sendMember(s, m, { type: MessageType.syncRequest, seq: 0, updates: [], extensions: [] }, false, self);
}

/** Requesters with no member record here served a full sync within `SYNC_SERVE_GAP_MS`, at most. */
export const SYNC_UNKNOWN_SERVED_MAX = 64;

/**
 * Whether `to`, a requester this peer holds no record of (a link whose record could take no slot,
 * one reaped that still talks), may be served a full sync now: once per `SYNC_SERVE_GAP_MS` per
 * id, as a member is, and at most {@link SYNC_UNKNOWN_SERVED_MAX} such ids within it (a map in
 * order of serving, so the oldest entry is first: entries past the gap are forgotten).
 */
function serveUnknown(s: DetectorState, to: PeerId): boolean {
  const served = s.syncServedUnknown;
  const last = served.get(to);
  if (last !== undefined && s.now - last < SYNC_SERVE_GAP_MS) return false;
  for (const [id, atMs] of served) {
    if (s.now - atMs < SYNC_SERVE_GAP_MS) break;
    served.delete(id);
  }
  if (served.size >= SYNC_UNKNOWN_SERVED_MAX) return false;
  served.delete(to);
  served.set(to, s.now);
  return true;
}

/**
 * Anti-entropy for a joiner that asked: the whole member table (and this peer), chunked to fit
 * `messageBytesMax`. Only joiners ask, and only one or two peers each, so a restart costs O(N)
 * bytes, not O(N²) as a sync on every link-up of a full mesh would.
 */
export function sendSync(s: DetectorState, to: PeerId, m: Member | undefined): void {
  if (m !== undefined) {
    if (s.now - m.lastSyncServedMs < SYNC_SERVE_GAP_MS) {
      s.counters.syncRequestsRefused += 1;
      return;
    }
    m.lastSyncServedMs = s.now;
  } else if (!serveUnknown(s, to)) {
    s.counters.syncRequestsRefused += 1;
    return;
  }
  const all = [s.selfUpdate()];
  for (const x of s.members.values()) {
    if (x === m) continue;
    const u = stateUpdate(s, x);
    if (relayable(s, u)) all.push(u);
  }
  for (const chunk of chunkUpdates(all, s.messageBytesMax - HEADER_BYTES - 1 - 8)) {
    const msg: Message = { type: MessageType.sync, seq: 0, updates: chunk, extensions: [] };
    if (m !== undefined) sendMember(s, m, msg, false);
    else sendTo(s, to, msg, false);
    s.counters.syncMessagesSent += 1;
  }
}
