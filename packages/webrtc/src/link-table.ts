/**
 * A core `Transport` over links that others open: connections an app already has (`attach`) and
 * same-browser tabs over a BroadcastChannel. Each source registers a {@link PeerLink} when its link
 * to a peer runs and removes it when it stops; the table routes sends, reports link changes, and
 * unwraps the reliable channel's tags. Contract as in core `transport.ts`: best effort, at most
 * `maxMessageBytes`, sends to unlinked peers dropped and counted, never throws on operating errors.
 */
import { isCanonicalPeerId, type PeerId } from '@pulsemesh/core';
import type { HostTransport } from './detector-host.js';

/**
 * Reliable-channel payload tag (first byte), shared with `WebRtcTransport`. Append-only. `proof`:
 * the key proof of attached links (`attach-proof.ts`), taken by the attachment, never the table.
 */
export const ReliableTag = { transport: 0, app: 1, proof: 2 } as const;

/** One running link to one peer. */
export interface PeerLink {
  /** Sends one detector message, best effort; false if dropped. */
  send(bytes: Uint8Array): boolean;
  /** Sends one tagged message reliably (ordered); false if it cannot now. */
  sendReliable(bytes: Uint8Array): boolean;
  /** Bytes queued, not yet handed to the network. */
  bufferedBytes(): number;
  /** Closes this link (the table refused it, or a handler threw on what it carried). Optional. */
  close?(reason: string): void;
}

/**
 * Where a link source (attached connections, `BroadcastLinks`) registers the links it runs and
 * hands what arrives on them: {@link LinkTable}, and `WebRtcTransport` for same-browser tabs.
 */
export interface LinkSink {
  readonly localId: PeerId;
  /** A link to `peer` runs (replaces an earlier one of this kind to the same peer). False if refused. */
  up(peer: PeerId, link: PeerLink): boolean | void;
  /** The link `link` to `peer` stopped (ignored if another link replaced it). */
  down(peer: PeerId, link: PeerLink): void;
  /** A detector message arrived from `from` on its link (unreliable path). */
  deliver(from: PeerId, bytes: Uint8Array): void;
  /**
   * A tagged message arrived from `from` on its link's reliable path (`tag:u8 | body`). Returns an
   * error (for the link to count) when the message has no use here: empty, or a tag not taken.
   */
  deliverReliable(from: PeerId, tagged: Uint8Array): string | void;
}

/** Messages up to this size go on the unreliable path (as in `WebRtcTransport`). */
const unreliableBytesMax = 16_384;

/** See the file comment. */
export class LinkTable implements HostTransport, LinkSink {
  readonly localId: PeerId;
  readonly maxMessageBytes = 65_536;
  /**
   * `idsRefused`: links refused for a peer id that is not canonical (`isCanonicalPeerId`);
   * `handlerErrors`: a handler (the detector) threw on a link change or a message, and that link
   * was closed. Neither ever throws out of the table into a channel's listener.
   */
  readonly counters = {
    sent: 0,
    received: 0,
    droppedUnlinked: 0,
    droppedByFault: 0,
    idsRefused: 0,
    handlerErrors: 0,
  };
  #links = new Map<PeerId, PeerLink>();
  #messageHandlers = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  #linkHandlers = new Set<(peer: PeerId, up: boolean) => void>();
  /** The last error a handler threw (`name: message`), for diagnostics; see `counters.handlerErrors`. */
  lastHandlerError: string | undefined;
  #muted = false;
  #closed = false;
  #dropRate = 0;

  constructor(localId: PeerId) {
    this.localId = localId;
  }

  /**
   * A link to `peer` runs (replaces an earlier one to the same peer). False when refused: the
   * table is closed, `peer` is this peer, `peer` is not canonical (counted `idsRefused`), or a
   * handler threw on the link change (counted `handlerErrors`); the caller closes that link.
   */
  up(peer: PeerId, link: PeerLink): boolean {
    if (this.#closed || peer === this.localId) return false;
    if (!isCanonicalPeerId(peer)) {
      this.counters.idsRefused += 1;
      return false;
    }
    const had = this.#links.has(peer);
    this.#links.set(peer, link);
    if (had || this.#emit(peer, true)) return true;
    if (this.#links.get(peer) === link) this.#links.delete(peer);
    return false;
  }

  /** The link `link` to `peer` stopped (ignored if another link replaced it). */
  down(peer: PeerId, link: PeerLink): void {
    if (this.#links.get(peer) !== link) return;
    this.#links.delete(peer);
    if (!this.#closed) this.#emit(peer, false);
  }

  /** Whether `peer` has a running link. */
  has(peer: PeerId): boolean {
    return this.#links.has(peer);
  }

  /** A detector message arrived from `from` (unreliable path). */
  deliver(from: PeerId, bytes: Uint8Array): void {
    if (this.#muted || this.#closed || !this.#links.has(from)) return;
    this.counters.received += 1;
    for (const h of this.#messageHandlers) {
      try {
        h(from, bytes);
      } catch (err) {
        return this.#handlerThrew(from, err);
      }
    }
  }

  /**
   * A tagged reliable message arrived from `from`: a detector message (tag 0) is delivered; anything
   * else is refused with an error for the link to count: these links carry no app data (tag 1).
   */
  deliverReliable(from: PeerId, tagged: Uint8Array): string | undefined {
    if (tagged.length === 0) return 'empty reliable message';
    if (tagged[0] !== ReliableTag.transport) return `unknown reliable tag ${tagged[0]}`;
    this.deliver(from, tagged.subarray(1));
    return undefined;
  }

  send(to: PeerId, bytes: Uint8Array): void {
    if (bytes.length > this.maxMessageBytes)
      throw new RangeError(
        `message of ${bytes.length} bytes exceeds maxMessageBytes ${this.maxMessageBytes}`,
      );
    if (this.#closed) return;
    if (this.#muted || (this.#dropRate > 0 && Math.random() < this.#dropRate)) {
      this.counters.droppedByFault += 1;
      return;
    }
    const link = this.#links.get(to);
    if (!link) {
      this.counters.droppedUnlinked += 1;
      return;
    }
    this.counters.sent += 1;
    if (bytes.length <= unreliableBytesMax) link.send(bytes);
    else link.sendReliable(tagged(ReliableTag.transport, bytes));
  }

  sendOnReliableChannel(to: PeerId, bytes: Uint8Array): boolean {
    if (this.#closed || this.#muted) return false;
    return this.#links.get(to)?.sendReliable(tagged(ReliableTag.transport, bytes)) ?? false;
  }

  bufferedBytes(): number {
    let total = 0;
    for (const link of this.#links.values()) total += link.bufferedBytes();
    return total;
  }

  linkedPeers(): Iterable<PeerId> {
    return [...this.#links.keys()];
  }

  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    this.#messageHandlers.add(handler);
    return () => this.#messageHandlers.delete(handler);
  }

  onLinkChange(handler: (peer: PeerId, up: boolean) => void): () => void {
    this.#linkHandlers.add(handler);
    return () => this.#linkHandlers.delete(handler);
  }

  /** Fault injection: drops each outbound detector message with probability `p` in [0, 1]. */
  setDropRate(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError('drop rate must be in [0, 1]');
    this.#dropRate = p;
  }

  mute(): void {
    this.#muted = true;
  }

  close(): void {
    this.#closed = true;
    this.#links.clear();
  }

  /** Calls the link handlers; false if one threw (counted, never rethrown). */
  #emit(peer: PeerId, up: boolean): boolean {
    if (this.#muted) return true;
    let ok = true;
    for (const h of this.#linkHandlers) {
      try {
        h(peer, up);
      } catch (err) {
        this.counters.handlerErrors += 1;
        this.lastHandlerError = describe(err);
        ok = false;
      }
    }
    return ok;
  }

  /** A message handler threw on what `from` sent: counted, and that link is closed. */
  #handlerThrew(from: PeerId, err: unknown): void {
    this.counters.handlerErrors += 1;
    this.lastHandlerError = describe(err);
    const link = this.#links.get(from);
    if (!link) return;
    link.close?.(`handler threw: ${this.lastHandlerError}`);
    this.down(from, link);
  }
}

/** `tag:u8 | bytes`. */
export function tagged(tag: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = tag;
  out.set(bytes, 1);
  return out;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
