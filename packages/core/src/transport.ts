import type { PeerId } from './types.js';

/**
 * The one transport contract every runtime implements (the simulator's network and WebRTC).
 *
 * - **Best effort, unordered, unreliable.** `send` may drop, delay, duplicate or reorder a message,
 *   like UDP or a data channel with `ordered: false, maxRetransmits: 0`. The detector never relies
 *   on delivery; it measures loss instead.
 * - **Message size.** A message is at most `maxMessageBytes` bytes (≥ 1,024); larger ones are a
 *   programmer error and throw. Messages arrive whole or not at all.
 * - **Links.** `send` only reaches peers in `linkedPeers()`; sending to anyone else is dropped and
 *   counted, never thrown. `onLinkChange` reports links coming up and going down.
 * - **Never throws across the boundary** on an operating error (closed channel, unknown peer).
 * - **Bytes are a view.** `send`'s `bytes` may be a view into a larger shared buffer (`encode`
 *   packs messages into one slab, `ByteWriter.finishInSlab`): send exactly its `length` bytes from
 *   its `byteOffset`, never `bytes.buffer`, and copy it (`slice()`) before a structured clone
 *   (`postMessage` clones the whole buffer) or before keeping it for long (it pins the slab).
 * - **Authentication** of the sender id is the transport's job (the WebRTC link knows whom it is
 *   connected to); the payload itself is not trusted and is decoded defensively.
 */
export interface Transport {
  readonly localId: PeerId;
  readonly maxMessageBytes: number;
  /** Sends bytes to one linked peer, best effort. */
  send(to: PeerId, bytes: Uint8Array): void;
  /** Peers this transport currently has a direct link to. */
  linkedPeers(): Iterable<PeerId>;
  /** Subscribes to inbound messages; returns an unsubscribe function. */
  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void;
  /** Subscribes to link up/down; returns an unsubscribe function. */
  onLinkChange(handler: (peer: PeerId, up: boolean) => void): () => void;
}
