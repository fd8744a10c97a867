/**
 * Events a `SignalClient` dispatches (all `CustomEvent`s).
 */
import type { ErrorCode, IceServerInfo, PeerId, RoomId, SessionEndKind } from './protocol.js';

/** Connection state of a `SignalClient`. */
export const ConnectionState = {
  /** First connection attempt in progress. */
  connecting: 'connecting',
  /** Socket open and room joined. */
  connected: 'connected',
  /** Lost the server; retrying with backoff. */
  reconnecting: 'reconnecting',
  /** Not connected and not retrying (before `connect()`, after `close()` or a fatal join error). */
  offline: 'offline',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** `detail` of the `signal` event: a payload relayed from a peer of the room. */
export interface SignalDetail {
  from: PeerId;
  payload: unknown;
}

/** `detail` of the `error` event: a typed error from the server (or a client-side protocol error). */
export interface SignalErrorDetail {
  code: ErrorCode;
  message: string;
  room?: RoomId;
}

/** Event map of `SignalClient`, for typed `addEventListener`. */
export interface SignalClientEventMap {
  /** Connection state changed. */
  state: CustomEvent<{ state: ConnectionState }>;
  /** Joined (or re-joined) the room: the other peers in it, and ICE servers (with fresh TURN
   * credentials) when the server hands them out. */
  roster: CustomEvent<{ peers: PeerId[]; iceServers?: IceServerInfo[] }>;
  /** A peer joined the room. */
  'peer-join': CustomEvent<{ peer: PeerId }>;
  /** A peer left the room (or its server instance died). */
  'peer-leave': CustomEvent<{ peer: PeerId }>;
  /**
   * A peer's signaling session ended and how (decision 0013): only for the peer's current session
   * (a stale one, after it rejoined with a new session, is dropped). Not sent when a server
   * instance stops or is lost.
   */
  'session-ended': CustomEvent<{ peer: PeerId; session: string; kind: SessionEndKind }>;
  /** A payload from a peer. */
  signal: CustomEvent<SignalDetail>;
  /** A typed error from the server. */
  error: CustomEvent<SignalErrorDetail>;
}
