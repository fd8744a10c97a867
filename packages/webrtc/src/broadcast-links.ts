/**
 * Links between tabs of one browser (same origin) over a BroadcastChannel, registered in a
 * {@link LinkSink} (an attached mesh's `LinkTable`, or `createMesh`'s WebRTC transport, which then
 * opens no WebRTC link to those tabs): what y-webrtc uses between same-browser tabs instead of
 * WebRTC, so the mesh watches those tabs too, with no connection at all.
 *
 * ```
 * message = { t: "hello", from: id, to?: id }          announce (to nobody: broadcast; answered)
 *         | { t: "msg",   from: id, to: id, b: bytes, r?: true }   one detector message (r: tagged)
 *         | { t: "bye",   from: id }                   this tab's mesh closed
 * ```
 *
 * A BroadcastChannel is reliable and ordered, and has no connection: a tab that crashes or hangs
 * just stops talking, so the detector, not the channel, decides it failed. Messages are checked
 * (shape, sizes) before use; bad ones are counted and ignored.
 */
import type { PeerId } from '@pulsemesh/core';
import type { LinkSink, PeerLink } from './link-table.js';

/**
 * `b` with a buffer of its own: a detector message is a view into a shared slab (the `Transport`
 * contract), and `postMessage` would clone the whole slab, not the view's bytes.
 */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

/** Largest message accepted from another tab (bytes). */
const messageBytesMax = 1 << 20;
const idCharsMax = 64;

type Wire =
  | { t: 'hello'; from: string; to?: string }
  | { t: 'msg'; from: string; to: string; b: Uint8Array; r?: true }
  | { t: 'bye'; from: string };

/** See the file comment. */
export class BroadcastLinks {
  readonly counters = { received: 0, malformed: 0, postErrors: 0 };
  /** The last error `postMessage` threw, if any. */
  lastPostError: string | undefined;
  #table: LinkSink;
  #channel: BroadcastChannel;
  #links = new Map<PeerId, PeerLink>();
  #closed = false;

  constructor(table: LinkSink, channelName: string) {
    this.#table = table;
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.addEventListener('message', (e: MessageEvent) => this.#onMessage(e.data));
    this.#post({ t: 'hello', from: table.localId });
  }

  /** Peers linked over the channel. */
  peers(): PeerId[] {
    return [...this.#links.keys()];
  }

  /** Says goodbye and closes the channel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#post({ t: 'bye', from: this.#table.localId });
    this.#closed = true;
    for (const [peer, link] of this.#links) this.#table.down(peer, link);
    this.#links.clear();
    this.#channel.close();
  }

  /** Posts; false if it could not (closed, or the page is going away: Firefox may throw then). */
  #post(message: Wire): boolean {
    if (this.#closed) return false;
    try {
      this.#channel.postMessage(message);
      return true;
    } catch (err) {
      this.counters.postErrors += 1;
      this.lastPostError = String(err);
      return false;
    }
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    const m = parse(data);
    const me = this.#table.localId;
    if (!m) {
      this.counters.malformed += 1;
      return;
    }
    if (m.from === me) return;
    this.counters.received += 1;
    if (m.t === 'hello') {
      if (m.to !== undefined && m.to !== me) return;
      this.#link(m.from);
      if (m.to === undefined) this.#post({ t: 'hello', from: me, to: m.from });
      return;
    }
    if (m.t === 'bye') {
      const link = this.#links.get(m.from);
      if (link) {
        this.#links.delete(m.from);
        this.#table.down(m.from, link);
      }
      return;
    }
    if (m.to !== me) return;
    if (!this.#links.has(m.from)) this.#link(m.from);
    if (m.r) this.#table.deliverReliable(m.from, m.b);
    else this.#table.deliver(m.from, m.b);
  }

  #link(peer: PeerId): void {
    if (this.#links.has(peer)) return;
    const me = this.#table.localId;
    const link: PeerLink = {
      send: (b) => this.#post({ t: 'msg', from: me, to: peer, b: own(b) }),
      sendReliable: (b) => this.#post({ t: 'msg', from: me, to: peer, b: own(b), r: true }),
      bufferedBytes: () => 0,
    };
    this.#links.set(peer, link);
    this.#table.up(peer, link);
  }
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= idCharsMax;
}

/** Validates a message from another tab (untrusted); undefined if malformed. */
function parse(data: unknown): Wire | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (!isId(m['from'])) return undefined;
  if (m['t'] === 'hello') {
    if (m['to'] !== undefined && !isId(m['to'])) return undefined;
    return m['to'] === undefined
      ? { t: 'hello', from: m['from'] }
      : { t: 'hello', from: m['from'], to: m['to'] };
  }
  if (m['t'] === 'bye') return { t: 'bye', from: m['from'] };
  if (m['t'] !== 'msg' || !isId(m['to'])) return undefined;
  const b = m['b'];
  if (!(b instanceof Uint8Array) || b.length === 0 || b.length > messageBytesMax) return undefined;
  return m['r'] === true
    ? { t: 'msg', from: m['from'], to: m['to'], b, r: true }
    : { t: 'msg', from: m['from'], to: m['to'], b };
}
