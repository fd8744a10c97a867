/**
 * The binary wire format (grammar in `docs/protocol.md`, "Detector wire format"). Versioned, compact
 * (a bare probe is 5 bytes), with numeric append-only message types, and room for signatures and
 * public-key identities in a trailing extension block. Decoding never throws.
 */
import { ByteReader, ByteWriter, decodeUtf8, encodeUtf8 } from './bytes.js';
import { assert } from './errors.js';
import { isCanonicalIdBytes, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './peer-id.js';
import { Lifecycle, type PeerId, type VitalSigns } from './types.js';

/** Wire format version carried in the first byte. */
export const WIRE_VERSION = 1;
/** Longest peer id on the wire (UTF-8 bytes). */
export const PEER_ID_BYTES_MAX = 64;
/** Size of the fixed header: version, type, flags, seq (u16). */
export const HEADER_BYTES = 5;

/** Message types. ONLY APPEND: never renumber or reuse a value. */
export const MessageType = {
  ping: 1,
  ack: 2,
  pingReq: 3,
  nack: 4,
  leave: 5,
  sync: 6,
  vitals: 7,
  /** Asks the receiver for a full-state `sync` (a joiner asks one or two peers, not every link). */
  syncRequest: 8,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Header flag bits. Unknown bits are rejected (a future field must not be silently misparsed). */
export const Flag = { updates: 1, extensions: 2, relayed: 4, vitals: 8 } as const;
const KNOWN_FLAGS = Flag.updates | Flag.extensions | Flag.relayed | Flag.vitals;

/** Membership update kinds. ONLY APPEND. */
export const UpdateKind = { alive: 0, suspect: 1, failed: 2, left: 3 } as const;
export type UpdateKind = (typeof UpdateKind)[keyof typeof UpdateKind];
/**
 * Bit of the kind byte: a signed update (the signer's public key and an Ed25519 signature follow;
 * decision 0012). The other high bits are reserved and rejected.
 */
export const SIGNED_KIND_BIT = 0x80;
/** Bytes a signature block adds to an update: public key (32) + signature (64). */
export const SIGNATURE_BLOCK_BYTES = PUBLIC_KEY_BYTES + SIGNATURE_BYTES;

/**
 * Extension types: 1 and 2 reserved for signed membership; 4 `wanted`, the ids a `sync-req` asks
 * about (decision 0034; 3 stays free for decision 0020's link digest). Unknown types are kept, not rejected.
 */
export const ExtensionType = { signature: 1, publicKeyId: 2, wanted: 4 } as const;

/** One piggybacked membership update. `from` is the accuser for `suspect`/`failed`, else undefined. */
export interface Update {
  kind: UpdateKind;
  peer: PeerId;
  incarnation: number;
  from: PeerId | undefined;
  /**
   * Signed updates only: the signer's Ed25519 public key (32 bytes) and signature (64 bytes) over
   * `updateSigningBytes` (`signed-update.ts`). The signer is `peer` for `alive`/`left` and `from`
   * for `suspect`/`failed`.
   */
  key?: Uint8Array | undefined;
  signature?: Uint8Array | undefined;
}

/** A trailing typed extension (e.g. a signature over the preceding bytes). */
export interface Extension {
  type: number;
  bytes: Uint8Array;
}

interface Base {
  /** Per-link sequence number (u16, wraps): acks echo it; gaps reveal loss. */
  seq: number;
  updates: readonly Update[];
  extensions: readonly Extension[];
}
/** A decoded or to-be-encoded message. */
export type Message =
  | (Base & { type: typeof MessageType.ping })
  | (Base & {
      type: typeof MessageType.ack;
      ackSeq: number;
      relayed: boolean;
      vitals: VitalSigns | undefined;
    })
  | (Base & { type: typeof MessageType.pingReq; target: PeerId })
  | (Base & { type: typeof MessageType.nack; ackSeq: number })
  | (Base & { type: typeof MessageType.leave; incarnation: number })
  | (Base & { type: typeof MessageType.sync })
  | (Base & { type: typeof MessageType.vitals; vitals: VitalSigns })
  | (Base & { type: typeof MessageType.syncRequest });

/** Why bytes could not be decoded. */
export const DecodeErrorCode = {
  empty: 'empty',
  unsupportedVersion: 'unsupported-version',
  unknownType: 'unknown-type',
  unsupportedFlags: 'unsupported-flags',
  truncated: 'truncated',
  varintOverflow: 'varint-overflow',
  badPeerId: 'bad-peer-id',
  /**
   * A well-formed id that is not canonical ASCII (`isCanonicalPeerId`: a look-alike in another
   * script, an invisible or bidi character, upper case). As a ping-req's target it fails the
   * message; in an update only that update is dropped and counted (`DecodeResult.idsRefused`).
   */
  nonCanonicalPeerId: 'non-canonical-peer-id',
  badLifecycle: 'bad-lifecycle',
  badUpdateKind: 'bad-update-kind',
  trailingBytes: 'trailing-bytes',
} as const;
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

/** A typed decode failure. */
export interface DecodeError {
  code: DecodeErrorCode;
}

/**
 * Result of {@link decode}. `idsRefused`: updates dropped because their subject or signer id is not
 * canonical (decision 0052); the rest of the message stands (a relayer running an older version
 * may pass a look-alike on: its own probes and acks must not be lost with it).
 */
export type DecodeResult =
  { ok: true; message: Message; idsRefused: number } | { ok: false; error: DecodeError };

const LIFECYCLE_CODES: readonly Lifecycle[] = [
  Lifecycle.visible,
  Lifecycle.hidden,
  Lifecycle.frozen,
  Lifecycle.server,
];
const UINT32_MAX = 0xffffffff;
const UPTIME_MS_MAX = 2 ** 48;

const idCache = new Map<string, Uint8Array>();
const ID_CACHE_MAX = 16_384;

/** UTF-8 bytes of a peer id (cached). Throws on an id outside 1..64 bytes: ids are validated at the API. */
export function peerIdBytes(id: PeerId): Uint8Array {
  let b = idCache.get(id);
  if (b === undefined) {
    b = encodeUtf8(id);
    assert(
      b.length >= 1 && b.length <= PEER_ID_BYTES_MAX,
      `peer id must be 1..${PEER_ID_BYTES_MAX} UTF-8 bytes`,
    );
    if (idCache.size >= ID_CACHE_MAX) idCache.clear();
    idCache.set(id, b);
  }
  return b;
}

/**
 * Bytes of `id` when it is ASCII and 1..64 characters long (its UTF-8 bytes are then its char
 * codes), else -1. The hot paths write such ids straight from the string: at 10,000 nodes a lookup
 * in the id cache (a Map of 10,000 strings) was a cache miss per id written.
 */
function asciiIdBytes(id: PeerId): number {
  const n = id.length;
  if (n < 1 || n > PEER_ID_BYTES_MAX) return -1;
  for (let i = 0; i < n; i++) if (id.charCodeAt(i) >= 0x80) return -1;
  return n;
}

/** UTF-8 length of a peer id (as `peerIdBytes(id).length`, without the cache for ASCII ids). */
function peerIdLength(id: PeerId): number {
  const n = asciiIdBytes(id);
  return n > 0 ? n : peerIdBytes(id).length;
}

/** True when `id` is a valid peer id (1..64 UTF-8 bytes). */
export function isValidPeerId(id: string): boolean {
  const n = encodeUtf8(id).length;
  return n >= 1 && n <= PEER_ID_BYTES_MAX;
}

/** Encoded size of one update (bytes), for the piggyback byte budget. */
export function updateBytes(u: Update): number {
  let n = 1 + varintBytes(u.incarnation) + 1 + peerIdLength(u.peer);
  if (u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed) n += 1 + peerIdLength(u.from ?? u.peer);
  if (u.signature !== undefined) n += SIGNATURE_BLOCK_BYTES;
  return n;
}

/** Bytes a LEB128 varint of `v` takes. */
export function varintBytes(v: number): number {
  let n = 1;
  let x = v;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

const writer = new ByteWriter(2048);
/** Decoding is synchronous and never re-entered, so one reader serves every call. */
const reader = new ByteReader(new Uint8Array(0));

/** Writes `id` as on the wire: its UTF-8 length (u8), then its bytes (ASCII ids straight from the string). */
export function writeId(w: ByteWriter, id: PeerId): void {
  const n = asciiIdBytes(id);
  if (n > 0) {
    w.u8(n);
    w.ascii(id, n);
    return;
  }
  const b = peerIdBytes(id);
  w.u8(b.length);
  w.bytes(b);
}

function writeVitals(w: ByteWriter, v: VitalSigns): void {
  w.varint(Math.min(UINT32_MAX, Math.max(0, Math.round(v.loadMs))));
  w.varint(Math.min(UPTIME_MS_MAX, Math.max(0, Math.round(v.uptimeMs))));
  w.u8(LIFECYCLE_CODES.indexOf(v.lifecycle));
  assert(v.metadata.length <= 255, 'metadata must be ≤ 255 bytes');
  w.u8(v.metadata.length);
  w.bytes(v.metadata);
}

/** Encodes a message. Throws only on programmer errors (invalid ids, > 255 updates or extensions). */
export function encode(m: Message): Uint8Array {
  const w = writer.reset();
  let flags = 0;
  if (m.updates.length > 0) flags |= Flag.updates;
  if (m.extensions.length > 0) flags |= Flag.extensions;
  if (m.type === MessageType.ack) {
    if (m.relayed) flags |= Flag.relayed;
    if (m.vitals !== undefined) flags |= Flag.vitals;
  }
  w.u8(WIRE_VERSION);
  w.u8(m.type);
  w.u8(flags);
  w.u16(m.seq & 0xffff);
  switch (m.type) {
    case MessageType.ack:
      w.u16(m.ackSeq & 0xffff);
      if (m.vitals !== undefined) writeVitals(w, m.vitals);
      break;
    case MessageType.pingReq:
      writeId(w, m.target);
      break;
    case MessageType.nack:
      w.u16(m.ackSeq & 0xffff);
      break;
    case MessageType.leave:
      w.varint(m.incarnation);
      break;
    case MessageType.vitals:
      writeVitals(w, m.vitals);
      break;
    default:
      break;
  }
  if (m.updates.length > 0) {
    assert(m.updates.length <= 255, 'at most 255 updates per message');
    w.u8(m.updates.length);
    for (const u of m.updates) {
      const signed = u.signature !== undefined && u.key !== undefined;
      w.u8(signed ? u.kind | SIGNED_KIND_BIT : u.kind);
      w.varint(u.incarnation);
      writeId(w, u.peer);
      if (u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed) writeId(w, u.from ?? u.peer);
      if (signed) {
        assert(
          u.key?.length === PUBLIC_KEY_BYTES && u.signature?.length === SIGNATURE_BYTES,
          'a signed update needs a 32-byte key and a 64-byte signature',
        );
        w.bytes(u.key);
        w.bytes(u.signature);
      }
    }
  }
  if (m.extensions.length > 0) {
    assert(m.extensions.length <= 255, 'at most 255 extensions per message');
    w.u8(m.extensions.length);
    for (const e of m.extensions) {
      w.u8(e.type);
      w.varint(e.bytes.length);
      w.bytes(e.bytes);
    }
  }
  return w.finishInSlab();
}

/**
 * Reads an id. Malformed (length outside 1..64, bad UTF-8, truncated): latches an error, ''.
 * Well-formed but not canonical: its bytes are passed over and it is `undefined`, never a string
 * (so never interned or cached). Every id from the wire enters through here (decision 0052).
 */
export function readId(r: ByteReader): PeerId | undefined {
  const n = r.u8();
  if (r.error !== undefined) return '';
  if (n < 1 || n > PEER_ID_BYTES_MAX) {
    r.fail(DecodeErrorCode.badPeerId);
    return '';
  }
  if (r.remaining < n) {
    r.fail(DecodeErrorCode.truncated);
    return '';
  }
  if (!isCanonicalIdBytes(r.buffer, r.pos, r.pos + n)) {
    if (decodeUtf8(r.bytes(n)) === undefined) r.fail(DecodeErrorCode.badPeerId);
    return undefined;
  }
  // Canonical bytes are ASCII, so always valid UTF-8.
  return r.utf8Interned(n) ?? '';
}

/** The metadata of vital signs without any: empty, so nothing can write into it. */
const NO_METADATA = new Uint8Array(0);

function readVitals(r: ByteReader): VitalSigns {
  const loadMs = r.varint();
  const uptimeMs = r.varint();
  const code = r.u8();
  const lifecycle = LIFECYCLE_CODES[code];
  if (lifecycle === undefined) r.fail(DecodeErrorCode.badLifecycle);
  const len = r.u8();
  // No metadata (the usual case, one per ack): one shared empty array rather than a fresh buffer.
  const metadata = len === 0 ? NO_METADATA : r.copy(len);
  return { loadMs, uptimeMs, lifecycle: lifecycle ?? Lifecycle.visible, metadata };
}

/**
 * The last byte string of one kind decoded for each peer, handed out again while it repeats. A
 * peer signs every statement with one key, and a signed statement is relayed to every member, so
 * one peer receives the same key and the same signature many times: a decoded update reuses the
 * array already held when the bytes are equal (compared, never assumed; other bytes are read as
 * sent and replace it) instead of allocating a copy each time, and held statements share it.
 * Decoded keys and signatures are never written to. Cleared when full.
 */
class RecentBytes {
  private readonly byPeer = new Map<PeerId, Uint8Array>();
  private readonly bytes: number;
  constructor(bytes: number) {
    this.bytes = bytes;
  }
  read(r: ByteReader, peer: PeerId): Uint8Array {
    const known = this.byPeer.get(peer);
    const out = r.reuseOrCopy(this.bytes, known);
    if (out !== known && r.error === undefined) {
      if (this.byPeer.size >= RECENT_BYTES_PEERS_MAX) this.byPeer.clear();
      this.byPeer.set(peer, out);
    }
    return out;
  }
}
const RECENT_BYTES_PEERS_MAX = 65_536;
/** Public keys by signer. */
const signerKeys = new RecentBytes(PUBLIC_KEY_BYTES);
/** Signatures by the peer the statement is about (its `alive` proof is relayed most). */
const signatures = new RecentBytes(SIGNATURE_BYTES);

const NO_UPDATES: readonly Update[] = Object.freeze([]);
const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);

/** Updates the current {@link decode} dropped for a non-canonical subject or signer id. */
let idsRefused = 0;

function readUpdates(r: ByteReader): Update[] {
  const count = r.u8();
  const out: Update[] = [];
  for (let i = 0; i < count && r.error === undefined; i++) {
    const byte = r.u8();
    const kind = byte & ~SIGNED_KIND_BIT;
    if (kind > UpdateKind.left) {
      r.fail(DecodeErrorCode.badUpdateKind);
      break;
    }
    const incarnation = r.varint();
    const accusation = kind === UpdateKind.suspect || kind === UpdateKind.failed;
    const peer = readId(r);
    const from = accusation ? readId(r) : undefined;
    if (peer === undefined || (accusation && from === undefined)) {
      // Passed over whole (its signature block too), so the next update is read where it starts.
      if ((byte & SIGNED_KIND_BIT) !== 0) r.bytes(SIGNATURE_BLOCK_BYTES);
      idsRefused += 1;
      continue;
    }
    if ((byte & SIGNED_KIND_BIT) === 0) {
      out.push({ kind: kind as UpdateKind, peer, incarnation, from });
      continue;
    }
    const signer = accusation ? (from ?? peer) : peer;
    const key = signerKeys.read(r, signer);
    const signature = signatures.read(r, peer);
    out.push({ kind: kind as UpdateKind, peer, incarnation, from, key, signature });
  }
  return out;
}

function readExtensions(r: ByteReader): Extension[] {
  const count = r.u8();
  const out: Extension[] = [];
  for (let i = 0; i < count && r.error === undefined; i++) {
    const type = r.u8();
    const len = r.varint();
    if (len > r.remaining) {
      r.fail(DecodeErrorCode.truncated);
      break;
    }
    out.push({ type, bytes: r.bytes(len).slice() });
  }
  return out;
}

/** Decodes untrusted bytes. Never throws: malformed input gives `{ ok: false, error }`. */
export function decode(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return { ok: false, error: { code: DecodeErrorCode.empty } };
  const r = reader.reset(bytes);
  idsRefused = 0;
  const version = r.u8();
  if (version !== WIRE_VERSION) return { ok: false, error: { code: DecodeErrorCode.unsupportedVersion } };
  const type = r.u8();
  const flags = r.u8();
  const seq = r.u16();
  if (r.error !== undefined) return { ok: false, error: { code: DecodeErrorCode.truncated } };
  if ((flags & ~KNOWN_FLAGS) !== 0) return { ok: false, error: { code: DecodeErrorCode.unsupportedFlags } };
  if (type < MessageType.ping || type > MessageType.syncRequest) {
    return { ok: false, error: { code: DecodeErrorCode.unknownType } };
  }
  const typeOk = type === MessageType.ack || (flags & (Flag.relayed | Flag.vitals)) === 0;
  if (!typeOk) return { ok: false, error: { code: DecodeErrorCode.unsupportedFlags } };
  let message: Message;
  const updates = NO_UPDATES;
  const extensions = NO_EXTENSIONS;
  switch (type) {
    case MessageType.ack: {
      const ackSeq = r.u16();
      const vitals = (flags & Flag.vitals) !== 0 ? readVitals(r) : undefined;
      message = { type, seq, ackSeq, relayed: (flags & Flag.relayed) !== 0, vitals, updates, extensions };
      break;
    }
    case MessageType.pingReq: {
      const target = readId(r);
      if (target === undefined) r.fail(DecodeErrorCode.nonCanonicalPeerId);
      message = { type, seq, target: target ?? '', updates, extensions };
      break;
    }
    case MessageType.nack:
      message = { type, seq, ackSeq: r.u16(), updates, extensions };
      break;
    case MessageType.leave:
      message = { type, seq, incarnation: r.varint(), updates, extensions };
      break;
    case MessageType.vitals:
      message = { type, seq, vitals: readVitals(r), updates, extensions };
      break;
    case MessageType.ping:
    case MessageType.syncRequest:
      message = { type, seq, updates, extensions };
      break;
    default:
      message = { type: MessageType.sync, seq, updates, extensions };
      break;
  }
  if ((flags & Flag.updates) !== 0) message.updates = readUpdates(r);
  if ((flags & Flag.extensions) !== 0) message.extensions = readExtensions(r);
  if (r.error !== undefined) return { ok: false, error: { code: r.error as DecodeErrorCode } };
  if (r.remaining !== 0) return { ok: false, error: { code: DecodeErrorCode.trailingBytes } };
  return { ok: true, message, idsRefused };
}
