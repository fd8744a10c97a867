/**
 * Wire format of the `swim` baseline (comparison only): compact binary, like memberlist's msgpack.
 *
 * message   = type:u8 seq:u32 [target:id] count:u8 update*      (target only for ping-req;
 *                                                                 count:u16 for push-pull)
 * update    = kind:u8 incarnation:u32 id [from:id]               (from only for suspect)
 * id        = len:u8 ascii-bytes
 *
 * Types: ping, ack, ping-req, gossip (updates only, seq 0), nack (a relay heard nothing), push-pull
 * and its reply (the sender's whole member table, memberlist's TCP state exchange).
 */

/** Message types. */
export const SwimType = {
  ping: 1,
  ack: 2,
  pingReq: 3,
  gossip: 4,
  nack: 5,
  pushPull: 6,
  pushPullReply: 7,
} as const;
export type SwimType = (typeof SwimType)[keyof typeof SwimType];

/** Membership update kinds. */
export const UpdateKind = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
export type UpdateKind = (typeof UpdateKind)[keyof typeof UpdateKind];

/** One piggybacked membership update. */
export interface SwimUpdate {
  kind: UpdateKind;
  incarnation: number;
  id: string;
  /** Suspect only: who suspects (Lifeguard counts distinct accusers as confirmations). */
  from?: string;
}

/** A decoded message. */
export interface SwimMessage {
  type: SwimType;
  seq: number;
  target: string;
  updates: SwimUpdate[];
}

/** Bytes an update takes on the wire. */
export function updateBytes(u: SwimUpdate): number {
  return 6 + u.id.length + (u.kind === UpdateKind.suspect ? 1 + (u.from ?? '').length : 0);
}

/** Encodes a message. Ids must be ASCII, at most 255 bytes. */
export function encodeSwim(m: SwimMessage): Uint8Array {
  const wide = isPushPull(m.type);
  let size = 6 + (wide ? 1 : 0) + (m.type === SwimType.pingReq ? 1 + m.target.length : 0);
  for (const u of m.updates) size += updateBytes(u);
  const out = new Uint8Array(size);
  let o = 0;
  out[o++] = m.type;
  o = writeU32(out, o, m.seq);
  if (m.type === SwimType.pingReq) o = writeId(out, o, m.target);
  if (wide) out[o++] = m.updates.length >>> 8;
  out[o++] = m.updates.length & 255;
  for (const u of m.updates) {
    out[o++] = u.kind;
    o = writeU32(out, o, u.incarnation);
    o = writeId(out, o, u.id);
    if (u.kind === UpdateKind.suspect) o = writeId(out, o, u.from ?? '');
  }
  return out;
}

/** Decodes a message; returns `undefined` for malformed bytes (never throws). */
export function decodeSwim(b: Uint8Array): SwimMessage | undefined {
  if (b.length < 6) return undefined;
  const type = b[0] as number;
  if (type < SwimType.ping || type > SwimType.pushPullReply) return undefined;
  let o = 1;
  const seq = readU32(b, o);
  o += 4;
  let target = '';
  if (type === SwimType.pingReq) {
    const r = readId(b, o);
    if (!r) return undefined;
    target = r.id;
    o = r.next;
  }
  if (o >= b.length) return undefined;
  let count = b[o++] as number;
  if (isPushPull(type)) {
    if (o >= b.length) return undefined;
    count = (count << 8) | (b[o++] as number);
  }
  const updates: SwimUpdate[] = [];
  for (let i = 0; i < count; i++) {
    if (o + 6 > b.length) return undefined;
    const kind = b[o++] as number;
    if (kind > 3) return undefined;
    const incarnation = readU32(b, o);
    o += 4;
    const r = readId(b, o);
    if (!r) return undefined;
    o = r.next;
    if (kind === UpdateKind.suspect) {
      const f = readId(b, o);
      if (!f) return undefined;
      o = f.next;
      updates.push({ kind, incarnation, id: r.id, from: f.id });
    } else updates.push({ kind: kind as UpdateKind, incarnation, id: r.id });
  }
  return { type: type as SwimType, seq, target, updates };
}

function isPushPull(type: number): boolean {
  return type === SwimType.pushPull || type === SwimType.pushPullReply;
}

function writeU32(out: Uint8Array, o: number, v: number): number {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 255;
  out[o + 2] = (v >>> 8) & 255;
  out[o + 3] = v & 255;
  return o + 4;
}

function readU32(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}

function writeId(out: Uint8Array, o: number, id: string): number {
  out[o++] = id.length;
  for (let i = 0; i < id.length; i++) out[o++] = id.charCodeAt(i) & 127;
  return o;
}

function readId(b: Uint8Array, o: number): { id: string; next: number } | undefined {
  if (o >= b.length) return undefined;
  const len = b[o] as number;
  if (o + 1 + len > b.length) return undefined;
  let id = '';
  for (let i = 0; i < len; i++) id += String.fromCharCode(b[o + 1 + i] as number);
  return { id, next: o + 1 + len };
}
