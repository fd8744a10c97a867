/**
 * Signaling wire protocol, version 1: JSON text frames `{"v":1,"t":<type>,...}`.
 * Message type numbers are ONLY APPENDED, never reused or renumbered. See `docs/protocol.md`.
 */

/**
 * A peer's identifier inside a room: canonical ASCII, `[a-z0-9][a-z0-9._-]{0,63}` (look-alike ids
 * are refused, decision 0012); with signing, the key-derived `k` + 24 base32 characters.
 */
export type PeerId = string;
/** A room name: 1 to 64 UTF-8 bytes, no control characters. */
export type RoomId = string;

/** The protocol version this code speaks; every frame carries it as `v`. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol the client offers and the server accepts. */
export const SUBPROTOCOL = 'pulsemesh-signal.v1';

/** Limits on fields of a frame (bytes are UTF-8 bytes). The server's frame limit is separate. */
export const FieldLimits = {
  /** Longest peer or room id, bytes. */
  idBytesMax: 64,
  /** Longest token, bytes. */
  tokenBytesMax: 2048,
  /** Shortest and longest claim (the client's reconnect secret), characters. */
  claimCharsMin: 16,
  claimCharsMax: 64,
  /** Longest session id, characters. */
  sessionCharsMax: 64,
  /** Longest error message, characters. */
  errorMessageCharsMax: 256,
  /** Most peers a roster frame may list. */
  rosterPeersMax: 10_000,
  /** Characters of a server nonce (base64url). */
  nonceCharsMin: 16,
  nonceCharsMax: 64,
  /** Most ICE servers a roster may hand out, URLs per server, characters per URL or credential. */
  iceServersMax: 4,
  iceUrlsMax: 8,
  iceFieldCharsMax: 512,
} as const;

/** Numeric message types (append-only). `c→s`: client to server; `s→c`: server to client. */
export const MessageType = {
  /** c→s: join a room as a peer. */
  join: 1,
  /** c→s: leave a room. */
  leave: 2,
  /** c→s: relay a payload to one peer of a room this socket joined. */
  signal: 3,
  /** c→s or s→c: liveness probe; answered by `pong` with the same `n`. */
  ping: 4,
  /** Answer to `ping`. */
  pong: 5,
  /** s→c: join accepted; the room's other peers. */
  roster: 6,
  /** s→c: a peer joined a room this socket is in. */
  peerJoin: 7,
  /** s→c: a peer left a room this socket is in. */
  peerLeave: 8,
  /** s→c: a relayed payload from a peer. */
  relay: 9,
  /** s→c: a typed error. */
  error: 10,
  /** s→c: a peer's session in a room this socket is in ended, and how (decision 0013). */
  sessionEnded: 11,
  /**
   * c→s: asks for this socket's nonce; s→c: the nonce (`challenge`). A peer with a key-derived id
   * signs it into its `join` (`proof`), so the server knows it holds the id's key (decision 0012).
   */
  challenge: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * How a session ended (`session-ended` frames). Never sent for sockets the server drops because it
 * stops, nor for peers of an instance lost in the Redis scale-out: instance death is not peer death.
 */
export const SessionEndKind = {
  /** The client's side closed the socket without a leave: close frame, TCP FIN or RST. */
  closedByPeer: 'closed-by-peer',
  /** The server's idle or ping timeout closed it (a stalled or cut-off client, not a crash). */
  timedOut: 'timed-out',
  /** A `leave` frame: graceful. */
  left: 'left',
} as const;
export type SessionEndKind = (typeof SessionEndKind)[keyof typeof SessionEndKind];

/** Typed error codes the server sends in `error` frames (and `parse` returns). */
export const ErrorCode = {
  /** Frame is not JSON or does not match any message schema. */
  malformed: 'malformed',
  /** Frame's `v` is not a version this server speaks. */
  unsupportedVersion: 'unsupported-version',
  /** Token missing or invalid (signature, algorithm, claims). */
  unauthorized: 'unauthorized',
  /** Token `exp` is in the past. */
  tokenExpired: 'token-expired',
  /** Token is valid but names another room (or another peer in `sub`). */
  wrongRoom: 'wrong-room',
  /** Another client holds this peer id in this room. */
  peerIdTaken: 'peer-id-taken',
  /** The room has `peersPerRoomMax` peers. */
  roomFull: 'room-full',
  /** This socket joined `roomsPerSocketMax` rooms already. */
  tooManyRooms: 'too-many-rooms',
  /** The socket has not joined the room it addressed. */
  notInRoom: 'not-in-room',
  /** The target peer is not in the room. */
  unknownPeer: 'unknown-peer',
  /** The socket sent more than `messagesPerSecondMax`; the frame was dropped. */
  rateLimited: 'rate-limited',
  /** The same peer id joined again from another socket with the right claim; this one is out. */
  replaced: 'replaced',
  /** The server failed to do what was asked (e.g. Redis unreachable); try again later. */
  unavailable: 'unavailable',
  /** A peer id in the frame is not canonical ASCII (`isCanonicalPeerId`): look-alikes are refused. */
  invalidPeerId: 'invalid-peer-id',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Join errors after which a client should not retry on its own. */
export const FATAL_JOIN_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.unauthorized,
  ErrorCode.tokenExpired,
  ErrorCode.wrongRoom,
  ErrorCode.peerIdTaken,
  ErrorCode.roomFull,
  ErrorCode.tooManyRooms,
  ErrorCode.invalidPeerId,
]);

/** WebSocket close codes the server uses (RFC 6455 plus the 4000-4999 private range). */
export const CloseCode = {
  normal: 1000,
  /** Server shutting down (graceful drain) or client navigating away. */
  goingAway: 1001,
  /** Binary frame: the protocol is text only. */
  unsupportedData: 1003,
  /** Policy violation: persistent rate-limit abuse. */
  policyViolation: 1008,
  /** Frame larger than `frameBytesMax`. */
  messageTooBig: 1009,
  /** Unexpected server error. */
  internalError: 1011,
  /** No frame from the client within `idleTimeoutMs`. */
  idleTimeout: 4000,
  /** The client's application-level ping went unanswered (client side only). */
  pingTimeout: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

interface Frame<T extends MessageType> {
  v: typeof PROTOCOL_VERSION;
  t: T;
}

/**
 * c→s: join `room` as `peer`. `claim` is the client's secret that lets it re-take its id. A
 * key-derived `peer` (`k` + 24 base32) must carry `key` (its Ed25519 public key, base64url) and
 * `proof` (base64url Ed25519 signature over `joinProofBytes(nonce, room, peer)` with this socket's
 * nonce from `challenge`); the server refuses it otherwise (`unauthorized`).
 */
export interface JoinMessage extends Frame<typeof MessageType.join> {
  room: RoomId;
  peer: PeerId;
  claim: string;
  token?: string;
  key?: string;
  proof?: string;
}
/** c→s: asks for this socket's nonce. */
export type ChallengeRequestMessage = Frame<typeof MessageType.challenge>;
/** s→c: this socket's nonce (one per socket), to sign into a `join`. */
export interface ChallengeMessage extends Frame<typeof MessageType.challenge> {
  nonce: string;
}
/** c→s: leave `room`. */
export interface LeaveMessage extends Frame<typeof MessageType.leave> {
  room: RoomId;
}
/** c→s: relay `payload` (any JSON) to `to` in `room`. */
export interface SignalMessage extends Frame<typeof MessageType.signal> {
  room: RoomId;
  to: PeerId;
  payload: unknown;
}
/** Liveness probe with a sequence number. */
export interface PingMessage extends Frame<typeof MessageType.ping> {
  n: number;
}
/** Answer to a ping with the same `n`. */
export interface PongMessage extends Frame<typeof MessageType.pong> {
  n: number;
}
/** One STUN/TURN server as `RTCIceServer` takes it (TURN with short-lived credentials). */
export interface IceServerInfo {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * s→c: join of `room` accepted; `peers` are the others in it. `iceServers`, when the server is
 * set up for TURN, carries credentials minted for this peer (TURN REST API: they expire).
 */
export interface RosterMessage extends Frame<typeof MessageType.roster> {
  room: RoomId;
  peers: PeerId[];
  iceServers?: IceServerInfo[];
}
/** s→c: `peer` joined `room`; `session` names this session of it (absent from older servers). */
export interface PeerJoinMessage extends Frame<typeof MessageType.peerJoin> {
  room: RoomId;
  peer: PeerId;
  session?: string;
}
/** s→c: `peer`'s session `session` in `room` ended, and how. */
export interface SessionEndedMessage extends Frame<typeof MessageType.sessionEnded> {
  room: RoomId;
  peer: PeerId;
  session: string;
  kind: SessionEndKind;
}
/** s→c: `peer` left `room`. */
export interface PeerLeaveMessage extends Frame<typeof MessageType.peerLeave> {
  room: RoomId;
  peer: PeerId;
}
/** s→c: `payload` from `from` in `room`. */
export interface RelayMessage extends Frame<typeof MessageType.relay> {
  room: RoomId;
  from: PeerId;
  payload: unknown;
}
/** s→c: typed error; `room` when it concerns one room (e.g. a rejected join). */
export interface ErrorMessage extends Frame<typeof MessageType.error> {
  code: ErrorCode;
  message: string;
  room?: RoomId;
}

/** Frames a client sends. */
export type ClientMessage =
  JoinMessage | LeaveMessage | SignalMessage | PingMessage | PongMessage | ChallengeRequestMessage;
/** Frames a server sends. */
export type ServerMessage =
  | RosterMessage
  | PeerJoinMessage
  | PeerLeaveMessage
  | SessionEndedMessage
  | RelayMessage
  | ErrorMessage
  | PingMessage
  | PongMessage
  | ChallengeMessage;
/** Any frame. */
export type Message = ClientMessage | ServerMessage;
