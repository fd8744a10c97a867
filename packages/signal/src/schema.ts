/**
 * valibot schemas for every frame of protocol v1. Unknown keys are stripped; strings are bounded.
 */
import * as v from 'valibot';
import { FieldLimits, MessageType, PROTOCOL_VERSION, ErrorCode, SessionEndKind } from './protocol.js';

const encoder = new TextEncoder();
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** True when `s` is a valid peer or room id: 1-64 UTF-8 bytes, no control characters. */
export function isValidId(s: string): boolean {
  if (s.length === 0 || s.length > FieldLimits.idBytesMax) return false;
  if (CONTROL_CHARS.test(s)) return false;
  return encoder.encode(s).length <= FieldLimits.idBytesMax;
}

/**
 * Canonical ASCII peer ids: lowercase letters, digits, `.`, `_`, `-`, starting with a letter or
 * digit, at most 64 characters (the same rule as core's `isCanonicalPeerId`; a test checks they
 * agree). Upper case, spaces, full-width, zero-width and other scripts are outside it, so no two
 * ids that look alike are different ids (decision 0012).
 */
const CANONICAL_PEER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** True when `s` is a canonical ASCII peer id (see `CANONICAL_PEER_ID`). */
export function isCanonicalPeerId(s: string): boolean {
  return CANONICAL_PEER_ID.test(s);
}

/** The schema issue message of a peer id that is not canonical (`parse` maps it to its own code). */
export const PEER_ID_ISSUE = 'peer id must be canonical ASCII [a-z0-9][a-z0-9._-]{0,63}';

/** Deepest nesting a relayed payload may have (keeps re-serialising it off the stack limit). */
export const PAYLOAD_DEPTH_MAX = 32;

/** True when `value` nests arrays/objects at most `depthMax` deep. Iterative, so it cannot overflow. */
export function depthWithin(value: unknown, depthMax: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= depthMax) return false;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return true;
}

const Id = v.pipe(v.string(), v.check(isValidId, 'id must be 1-64 UTF-8 bytes without control characters'));
const PeerIdField = v.pipe(v.string(), v.check(isCanonicalPeerId, PEER_ID_ISSUE));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const Payload = v.pipe(
  v.unknown(),
  v.check((p) => p !== undefined && depthWithin(p, PAYLOAD_DEPTH_MAX), 'payload too deep or missing'),
);
const Version = v.literal(PROTOCOL_VERSION);

const Join = v.object({
  v: Version,
  t: v.literal(MessageType.join),
  room: Id,
  peer: PeerIdField,
  claim: v.pipe(v.string(), v.minLength(FieldLimits.claimCharsMin), v.maxLength(FieldLimits.claimCharsMax)),
  token: v.optional(v.pipe(v.string(), v.maxLength(FieldLimits.tokenBytesMax))),
  key: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/))),
  proof: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/))),
});
const ChallengeRequest = v.object({ v: Version, t: v.literal(MessageType.challenge) });
const Challenge = v.object({
  v: Version,
  t: v.literal(MessageType.challenge),
  nonce: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]+$/),
    v.minLength(FieldLimits.nonceCharsMin),
    v.maxLength(FieldLimits.nonceCharsMax),
  ),
});
const Leave = v.object({ v: Version, t: v.literal(MessageType.leave), room: Id });
const Signal = v.object({
  v: Version,
  t: v.literal(MessageType.signal),
  room: Id,
  to: PeerIdField,
  payload: Payload,
});
const Ping = v.object({ v: Version, t: v.literal(MessageType.ping), n: Seq });
const Pong = v.object({ v: Version, t: v.literal(MessageType.pong), n: Seq });
const IceField = v.pipe(v.string(), v.minLength(1), v.maxLength(FieldLimits.iceFieldCharsMax));
const IceServer = v.object({
  urls: v.pipe(v.array(IceField), v.minLength(1), v.maxLength(FieldLimits.iceUrlsMax)),
  username: v.optional(IceField),
  credential: v.optional(IceField),
});
const Roster = v.object({
  v: Version,
  t: v.literal(MessageType.roster),
  room: Id,
  peers: v.pipe(v.array(PeerIdField), v.maxLength(FieldLimits.rosterPeersMax)),
  iceServers: v.optional(v.pipe(v.array(IceServer), v.maxLength(FieldLimits.iceServersMax))),
});
const Session = v.pipe(v.string(), v.minLength(1), v.maxLength(FieldLimits.sessionCharsMax));
const PeerJoin = v.object({
  v: Version,
  t: v.literal(MessageType.peerJoin),
  room: Id,
  peer: PeerIdField,
  session: v.optional(Session),
});
const SessionEnded = v.object({
  v: Version,
  t: v.literal(MessageType.sessionEnded),
  room: Id,
  peer: PeerIdField,
  session: Session,
  kind: v.picklist(Object.values(SessionEndKind)),
});
const PeerLeave = v.object({ v: Version, t: v.literal(MessageType.peerLeave), room: Id, peer: PeerIdField });
const Relay = v.object({
  v: Version,
  t: v.literal(MessageType.relay),
  room: Id,
  from: PeerIdField,
  payload: Payload,
});
const ErrorFrame = v.object({
  v: Version,
  t: v.literal(MessageType.error),
  code: v.picklist(Object.values(ErrorCode)),
  message: v.pipe(v.string(), v.maxLength(FieldLimits.errorMessageCharsMax)),
  room: v.optional(Id),
});

/** Schema of every frame a client may send. */
export const ClientMessageSchema = v.variant('t', [Join, Leave, Signal, Ping, Pong, ChallengeRequest]);
/** Schema of every frame a server may send. */
export const ServerMessageSchema = v.variant('t', [
  Roster,
  PeerJoin,
  PeerLeave,
  SessionEnded,
  Relay,
  ErrorFrame,
  Ping,
  Pong,
  Challenge,
]);
