/**
 * Where a detector's bytes go: each sent message is decoded and its bytes split by message type
 * and by part (header, body, vitals, piggybacked updates by kind, their signature blocks,
 * extensions), plus redundancy rows (`~` prefix, overlapping the others): copies a receiver
 * already had from this sender, echoes back to the peer that sent them, news about the receiver
 * itself, and another accuser's signed copy of an event the receiver already heard. Used by
 * `bin/bytes-breakdown.ts` (issue 13's byte floors); the sum of the part rows of a type is its
 * total, which the tests check.
 */
import {
  decode,
  HEADER_BYTES,
  MessageType,
  SIGNATURE_BLOCK_BYTES,
  UpdateKind,
  updateBytes,
  varintBytes,
  type Message,
} from '@pulsemesh/core';
import {
  decodeSwim,
  SwimType,
  UpdateKind as SwimKind,
  updateBytes as swimUpdateBytes,
} from './baselines/swim-codec.js';

/** Which wire format the sender speaks: pulsemesh's (`docs/protocol.md`) or the swim baseline's. */
export type BreakdownCodec = 'pulsemesh' | 'swim';

/** One row: bytes and items (messages or updates) under a `type` or `type/part` label. */
export interface BreakdownRow {
  key: string;
  bytes: number;
  count: number;
}

const nameOf = (o: Record<string, number>): Record<number, string> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k]));
const TYPE_NAMES = nameOf(MessageType);
const KIND_NAMES = nameOf(UpdateKind);
const SWIM_TYPE_NAMES = nameOf(SwimType);
const SWIM_KIND_NAMES = nameOf(SwimKind);
/** swim's header: type (1) and seq (4). */
const SWIM_HEADER_BYTES = 5;
/** ackSeq in an ack's body (u16be); the rest of the body is vitals. */
const ACK_SEQ_BYTES = 2;

/** Tally of sent bytes by message type and part, for one run. */
export class ByteBreakdown {
  /** Bytes of every message added (decodable or not). */
  total = 0;
  private readonly bytes = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  /** Copies of one update (receiver, kind, peer, incarnation, accuser) sent to its receiver. */
  readonly copies = new Map<string, number>();
  /** The same, per sender: repeats a sender could know to skip. */
  readonly linkCopies = new Map<string, number>();
  /** (receiver, kind, peer, incarnation) heard: another accuser's copy of the same news. */
  private readonly events = new Set<string>();
  private readonly codec: BreakdownCodec;

  constructor(codec: BreakdownCodec) {
    this.codec = codec;
  }

  /** Accounts one message `from` → `to`. */
  add(from: string, to: string, message: Uint8Array): void {
    this.total += message.length;
    if (this.codec === 'swim') this.addSwim(message);
    else this.addPulsemesh(from, to, message);
  }

  /** Rows sorted by label. */
  rows(): BreakdownRow[] {
    return [...this.bytes]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([key, bytes]) => ({ key, bytes, count: this.counts.get(key) ?? 0 }));
  }

  /** One row by label (zero when absent). */
  row(key: string): BreakdownRow {
    return { key, bytes: this.bytes.get(key) ?? 0, count: this.counts.get(key) ?? 0 };
  }

  private tally(key: string, bytes: number, count = 1): void {
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + bytes);
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }

  private addPulsemesh(from: string, to: string, b: Uint8Array): void {
    const d = decode(b);
    if (!d.ok) {
      this.tally('undecodable', b.length);
      return;
    }
    const m = d.message;
    const type = TYPE_NAMES[m.type] as string;
    this.tally(type, b.length);
    this.tally(`${type}/header`, HEADER_BYTES);
    let rest = b.length - HEADER_BYTES;
    if (m.updates.length > 0) {
      this.tally(`${type}/updates-count`, 1);
      rest -= 1;
    }
    for (const u of m.updates) {
      const ub = updateBytes(u);
      const sig = u.signature !== undefined ? SIGNATURE_BLOCK_BYTES : 0;
      const kind = KIND_NAMES[u.kind] as string;
      this.tally(`${type}/upd-${kind}`, ub - sig);
      if (sig > 0) this.tally(`${type}/upd-${kind}-sig`, sig);
      rest -= ub;
      this.redundancy(from, to, type, kind, u, ub);
    }
    if (m.extensions.length > 0) {
      const ext = 1 + m.extensions.reduce((a, e) => a + 1 + varintBytes(e.bytes.length) + e.bytes.length, 0);
      this.tally(`${type}/extensions`, ext);
      rest -= ext;
    }
    const vitals = vitalsOf(m, rest);
    if (vitals > 0) this.tally(`${type}/vitals`, vitals);
    this.tally(`${type}/body`, rest - vitals);
  }

  private redundancy(
    from: string,
    to: string,
    type: string,
    kind: string,
    u: Message['updates'][number],
    ub: number,
  ): void {
    const key = `${to}|${u.kind}|${u.peer}|${u.incarnation}|${u.from ?? ''}`;
    const copies = (this.copies.get(key) ?? 0) + 1;
    this.copies.set(key, copies);
    const again = (this.linkCopies.get(`${from}>${key}`) ?? 0) + 1;
    this.linkCopies.set(`${from}>${key}`, again);
    if (again > 1) this.tally(`~repeat-same-link/${type}/${kind}`, ub);
    else if (this.linkCopies.has(`${to}>${from}|${u.kind}|${u.peer}|${u.incarnation}|${u.from ?? ''}`))
      this.tally(`~echo-to-sender/${type}/${kind}`, ub);
    // News about the receiver itself (its verdict, so it can refute): not gossip to the others.
    if (u.peer === to) this.tally(`~to-subject/${type}/${kind}`, ub);
    const event = `${to}|${u.kind}|${u.peer}|${u.incarnation}`;
    if (!this.events.has(event)) this.events.add(event);
    else if (copies === 1) this.tally(`~other-accuser/${type}/${kind}`, ub);
  }

  private addSwim(b: Uint8Array): void {
    const m = decodeSwim(b);
    if (m === undefined) {
      this.tally('undecodable', b.length);
      return;
    }
    const type = SWIM_TYPE_NAMES[m.type] as string;
    this.tally(type, b.length);
    this.tally(`${type}/header`, SWIM_HEADER_BYTES);
    let rest = b.length - SWIM_HEADER_BYTES;
    for (const u of m.updates) {
      const ub = swimUpdateBytes(u);
      this.tally(`${type}/upd-${SWIM_KIND_NAMES[u.kind] as string}`, ub);
      rest -= ub;
    }
    this.tally(`${type}/body`, rest); // target (ping-req) and the update count
  }
}

/** Bytes of an ack's vital signs: its body past ackSeq (`body` is the body's size). */
function vitalsOf(m: Message, body: number): number {
  return m.type === MessageType.ack && m.vitals !== undefined ? body - ACK_SEQ_BYTES : 0;
}
