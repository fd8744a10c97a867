/**
 * The server (re-exported by `@pulsemesh/signal-server`, Node only): the hardened signaling server
 * and its token helpers.
 */
export { createSignalServer } from './signal-server.js';
export type { SignalServer, SignalServerStats } from './signal-server.js';
export { DEFAULT_SERVER_OPTIONS, resolveServerOptions } from './options.js';
export type { LogLevel, SignalServerOptions } from './options.js';
export { mintToken, checkJoinToken } from './auth.js';
export type { MintTokenOptions, TokenCheck } from './auth.js';
export { RejectReason } from './metrics.js';
export { keyDerivedId, checkKeyProof } from './key-proof.js';
export { iceServersFor, turnCredential, TURN_TTL_SECONDS_DEFAULT } from './turn-credentials.js';
export type { TurnOptions } from './turn-credentials.js';
/** `ws`'s WebSocket client class, re-exported for Node users of `SignalClient` (`WebSocket` option). */
export { WebSocket } from 'ws';
