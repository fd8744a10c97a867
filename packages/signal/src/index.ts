/**
 * `@pulsemesh/signal`: the isomorphic part (browser and Node) — protocol v1 types, schemas,
 * encode/parse and the reconnecting `SignalClient`. The Node server is `@pulsemesh/signal-server`.
 */
export * from './protocol.js';
export {
  ClientMessageSchema,
  ServerMessageSchema,
  isValidId,
  isCanonicalPeerId,
  depthWithin,
  PAYLOAD_DEPTH_MAX,
} from './schema.js';
export { encode, parseClientMessage, parseServerMessage } from './codec.js';
export type { ParseError, ParseResult } from './codec.js';
export { backoffDelayMs } from './backoff.js';
export { joinProofBytes, needsKeyProof, toBase64Url } from './join-proof.js';
export type { KeyProofSigner } from './join-proof.js';
export { ConnectionState } from './client-events.js';
export type { SignalClientEventMap, SignalDetail, SignalErrorDetail } from './client-events.js';
export { SignalClient } from './client.js';
export type {
  AnyListener,
  ListenerOptions,
  SignalClientOptions,
  WebSocketLike,
  WebSocketConstructorLike,
} from './client.js';
