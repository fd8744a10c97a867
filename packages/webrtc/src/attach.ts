/**
 * Watching the connections an app already has. `createAttachedMesh` runs a detector with no
 * signaling and no connections of its own; `attach(mesh, remotePeerId, connection)` opens the link
 * protocol's two negotiated data channels (`pulse-channels.ts`, ids 1022 and 1023) on a connection
 * the app made: a classic `simple-peer` 9 instance, a `@thaunknown/simple-peer` instance, or a bare
 * `RTCPeerConnection`. No RTCPeerConnection is created, nothing is renegotiated (negotiated channels
 * on a connection with a data section need no new offer), and no byte goes over the app's channels.
 *
 * The attachment follows the connection: its `close` (simple-peer), or the connection reaching
 * `closed` / `failed`, takes the link down (the detector keeps probing indirectly, and the verdict
 * is the detector's); attaching a new connection to the same peer replaces the old one. A far side
 * that runs no pulsemesh never answers on the channels: it stays `unmonitored` and the detector
 * never hears of it, so it is never `failed`.
 *
 * Links need no pulsemesh server. Where one runs anyway, `signal` joins it for its session witness
 * only (decision 0013): a peer whose socket the server saw drop is checked at once and failed
 * `witnessed`, instead of waiting out a suspicion.
 */
import { isCanonicalPeerId, type PeerId } from '@pulsemesh/core';
import { SignalClient, type WebSocketConstructorLike } from '@pulsemesh/signal';
import { DetectorHost, randomPeerId, type HostOptions } from './detector-host.js';
import { LinkTable, type PeerLink } from './link-table.js';
import { PulseChannels, type LinkCounters } from './pulse-channels.js';

/**
 * `attach` refused a remote peer id: not canonical ASCII (`isCanonicalPeerId`: lowercase letters,
 * digits, `.`, `_`, `-`, at most 64, so no look-alikes and nothing the detector would refuse), or
 * this peer's own id. Counted in `mesh.transport.counters.idsRefused`; nothing is attached.
 */
export class InvalidPeerIdError extends Error {
  override readonly name = 'InvalidPeerIdError';
}

/** What a simple-peer instance (classic 9.x or the fork) offers that we use. */
export interface SimplePeerLike {
  /** The RTCPeerConnection (null once destroyed). */
  _pc: RTCPeerConnection | null;
  readonly destroyed?: boolean;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}

/** A connection `attach` accepts. */
export type AttachableConnection = RTCPeerConnection | SimplePeerLike;

/** Where an attached connection stands. */
export const ConnectionState = {
  /** Channels created; the connection is not up yet, or the far side has not answered yet. */
  connecting: 'connecting',
  /** The far side answers on the link protocol: the detector watches it. */
  monitored: 'monitored',
  /** Up, but silent on the link protocol for `unmonitoredAfterMs`: it runs no pulsemesh. */
  unmonitored: 'unmonitored',
  closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** One attached connection, as {@link AttachedMesh.connections} reports it. */
export interface AttachedConnectionInfo {
  peer: PeerId;
  state: ConnectionState;
  /** Counters of the current link-protocol channels (bytes include framing, not SCTP/DTLS). */
  counters: LinkCounters;
  /** Times our channels were reset by the far side before it answered, and re-created. */
  channelResets: number;
}

/** Options of {@link createAttachedMesh}. */
export interface AttachedMeshOptions extends HostOptions {
  /** This peer's id, as the app's other peers know it (1..64 UTF-8 bytes). Default random. */
  peerId?: string;
  /** Silence on the link protocol after which a connection counts as `unmonitored` (ms). Default
   * 5,000: a pulsemesh peer answers the first hello within one round trip. */
  unmonitoredAfterMs?: number;
  /**
   * Largest reliable message accepted (bytes, tag included). Default `LinkTable.maxMessageBytes + 1`
   * (65,537): the attach path carries only detector messages on it (no app data), so a larger one
   * is refused chunk by chunk as it arrives ('message too large', one link error), not buffered.
   */
  reliableMessageBytesMax?: number;
  /**
   * A pulsemesh signaling server to join for its session witness only (no link is made through
   * it): `session-ended` of a peer is evidence for the detector (decision 0013). Every peer must
   * join the same room with the id it is attached under. Default: none (links need no server).
   */
  signal?: AttachedSignalOptions;
}

/** Where {@link AttachedMeshOptions.signal} joins. */
export interface AttachedSignalOptions {
  /** Server URL(s), `ws://` or `wss://`. */
  url: string | readonly string[];
  room: string;
  /** Join token, when the server requires one. */
  token?: string;
  /** WebSocket class; in Node pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructorLike;
}

/** How often attachments are checked for a silently closed connection and for silence (ms). */
const checkEveryMs = 500;
/** Channels reset before the far side answered are re-created after a pause of up to this (ms)… */
const rearmPauseMsMax = 1_000;
/** …and listen this long before their first hello (longer than the largest pause). */
const rearmListenMs = 1_500;

/**
 * A detector watching connections the app made. Implements `MeshView` (for `<pulse-mesh .mesh=…>`).
 *
 * @fires status-change, join, leave, interval-change, health-change, local-health-change, reap,
 *   decode-error - the detector's events.
 * @fires connection - `{ peer, state }` when an attached connection changes {@link ConnectionState}.
 */
export class AttachedMesh extends DetectorHost {
  readonly transport: LinkTable;
  readonly unmonitoredAfterMs: number;
  readonly reliableMessageBytesMax: number;
  #attachments = new Map<PeerId, Attachment>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #owned: { close(): void }[] = [];
  /** The witness-only signaling client ({@link AttachedMeshOptions.signal}), if any. */
  readonly signalClient: SignalClient | undefined;

  constructor(options: AttachedMeshOptions = {}) {
    const localId = options.peerId ?? randomPeerId();
    const table = new LinkTable(localId);
    super(localId, table, options);
    this.transport = table;
    this.unmonitoredAfterMs = options.unmonitoredAfterMs ?? 5_000;
    this.reliableMessageBytesMax = options.reliableMessageBytesMax ?? table.maxMessageBytes + 1;
    this.signalClient = options.signal && this.#joinForWitness(options.signal);
  }

  #joinForWitness(signal: AttachedSignalOptions): SignalClient {
    const client = new SignalClient({
      url: signal.url,
      room: signal.room,
      peerId: this.localId,
      ...(signal.token === undefined ? {} : { token: signal.token }),
      ...(signal.WebSocket === undefined ? {} : { WebSocket: signal.WebSocket }),
    });
    client.addEventListener('roster', (e) => this.admit(e.detail.peers));
    client.addEventListener('peer-join', (e) => this.witness(e.detail.peer, 'joined'));
    client.addEventListener('session-ended', (e) => this.witness(e.detail.peer, e.detail.kind));
    client.connect();
    return client;
  }

  protected override abortSignaling(): void {
    this.signalClient?.abort();
  }

  /**
   * See {@link attach}. Returns a function that detaches (closes our channels only).
   * @throws InvalidPeerIdError - `remotePeerId` is not canonical or is this peer's id (counted).
   */
  attach(remotePeerId: PeerId, connection: AttachableConnection): () => void {
    if (this.status === 'closed') throw new Error('attach on a closed mesh');
    if (remotePeerId === this.localId || !isCanonicalPeerId(remotePeerId)) {
      this.transport.counters.idsRefused += 1;
      const why = remotePeerId === this.localId ? 'is this peer' : 'is not canonical';
      throw new InvalidPeerIdError(`attach: peer id ${JSON.stringify(remotePeerId.slice(0, 80))} ${why}`);
    }
    const existing = this.#attachments.get(remotePeerId);
    if (existing?.connection === connection && existing.state !== ConnectionState.closed)
      return () => this.detach(remotePeerId);
    existing?.end('replaced by a new connection');
    const attachment = new Attachment(this, remotePeerId, connection);
    this.#attachments.set(remotePeerId, attachment);
    this.#timer ??= setInterval(() => this.#check(), checkEveryMs);
    (this.#timer as { unref?: () => void }).unref?.();
    return () => {
      if (this.#attachments.get(remotePeerId) === attachment) this.detach(remotePeerId);
    };
  }

  /** Closes our channels on the connection to `remotePeerId` (never the connection itself). */
  detach(remotePeerId: PeerId): void {
    this.#attachments.get(remotePeerId)?.end('detached');
  }

  /** Every attached connection that is not closed. */
  connections(): AttachedConnectionInfo[] {
    return [...this.#attachments.values()].map((a) => ({
      peer: a.remote,
      state: a.state,
      counters: { ...a.counters },
      channelResets: a.channelResets,
    }));
  }

  /** Closes `resource` (another link source, e.g. `BroadcastLinks`) when this mesh closes. */
  own(resource: { close(): void }): void {
    this.#owned.push(resource);
  }

  protected override onClose(): void {
    this.signalClient?.close();
    clearInterval(this.#timer);
    for (const r of this.#owned.splice(0)) r.close();
    for (const a of [...this.#attachments.values()]) a.end('mesh closed');
  }

  /** @internal Called by an attachment whose state changed. */
  changed(attachment: Attachment): void {
    if (
      attachment.state === ConnectionState.closed &&
      this.#attachments.get(attachment.remote) === attachment
    )
      this.#attachments.delete(attachment.remote);
    this.dispatchEvent(
      new CustomEvent('connection', { detail: { peer: attachment.remote, state: attachment.state } }),
    );
  }

  #check(): void {
    const now = performance.now();
    for (const a of [...this.#attachments.values()]) a.check(now);
    if (this.#attachments.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** One attached connection: our channels on it, registered in the mesh's link table while monitored. */
class Attachment implements PeerLink {
  readonly remote: PeerId;
  readonly connection: AttachableConnection;
  state: ConnectionState = ConnectionState.connecting;
  #mesh: AttachedMesh;
  #pc: RTCPeerConnection;
  #channels: PulseChannels | undefined;
  #firstOpenMs: number | undefined;
  #rearms = 0;
  #rearmTimer: ReturnType<typeof setTimeout> | undefined;
  #onPeerClose = (): void => this.end('connection closed');
  #onStateChange = (): void => this.check(performance.now());

  constructor(mesh: AttachedMesh, remote: PeerId, connection: AttachableConnection) {
    this.#mesh = mesh;
    this.remote = remote;
    this.connection = connection;
    const pc = isSimplePeer(connection) ? connection._pc : connection;
    if (!pc || (isSimplePeer(connection) && connection.destroyed))
      throw new Error(`attach: the connection to ${remote} is already destroyed`);
    this.#pc = pc;
    if (isSimplePeer(connection)) connection.on('close', this.#onPeerClose);
    pc.addEventListener('connectionstatechange', this.#onStateChange);
    this.#makeChannels(0);
  }

  #makeChannels(helloAfterMs: number): void {
    const table = this.#mesh.transport;
    const remote = this.remote;
    const channels: PulseChannels = new PulseChannels(this.#pc, {
      reliableMessageBytesMax: this.#mesh.reliableMessageBytesMax,
      helloAfterMs,
      handlers: {
        open: () => {
          this.#set(ConnectionState.monitored);
          if (!table.up(remote, this)) this.end('refused by the link table');
        },
        close: (reason) => this.#channelsClosed(channels, reason),
        heartbeat: (bytes) => table.deliver(remote, bytes),
        reliable: (bytes) => table.deliverReliable(remote, bytes),
      },
    });
    this.#channels = channels;
  }

  /**
   * Our channels closed. Once the far side had answered, that is the end of the link (it left or
   * detached). Before that, the far side's stack may have reset them because it had no channel with
   * that id yet (libdatachannel does; it attached later than we did): re-create them after a random
   * pause and listen before saying hello, so one side's hello meets the other's channel.
   */
  #channelsClosed(channels: PulseChannels, reason: string): void {
    if (channels !== this.#channels || this.state === ConnectionState.closed) return;
    this.#firstOpenMs ??= channels.openedAtMs;
    if (this.state === ConnectionState.monitored || this.#connectionClosed()) return this.end(reason);
    this.#rearms += 1;
    const pauseMs = rearmPauseMsMax * Math.random();
    this.#rearmTimer = setTimeout(() => {
      if (this.state !== ConnectionState.closed && !this.#connectionClosed())
        this.#makeChannels(rearmListenMs);
    }, pauseMs);
    (this.#rearmTimer as { unref?: () => void }).unref?.();
  }

  #connectionClosed(): boolean {
    const pc = this.#pc;
    return (
      pc.signalingState === 'closed' || pc.connectionState === 'closed' || pc.connectionState === 'failed'
    );
  }

  get channelResets(): number {
    return this.#rearms;
  }

  get counters(): LinkCounters {
    return this.#channels!.counters;
  }

  send(bytes: Uint8Array): boolean {
    return this.#channels?.sendHeartbeat(bytes) ?? false;
  }

  sendReliable(bytes: Uint8Array): boolean {
    return this.#channels?.sendReliable(bytes) ?? false;
  }

  bufferedBytes(): number {
    return this.#channels?.bufferedBytes() ?? 0;
  }

  /** {@link PeerLink.close}: the link table refused this link or a handler threw on it. */
  close(reason: string): void {
    this.end(reason);
  }

  /** Notices a connection closed without an event (a local `pc.close()` fires none) and silence. */
  check(nowMs: number): void {
    if (this.state === ConnectionState.closed) return;
    if (this.#connectionClosed())
      return this.end(`connection ${this.#pc.connectionState === 'failed' ? 'failed' : 'closed'}`);
    const firstOpenMs = this.#firstOpenMs ?? this.#channels?.openedAtMs;
    if (
      this.state === ConnectionState.connecting &&
      firstOpenMs !== undefined &&
      nowMs - firstOpenMs >= this.#mesh.unmonitoredAfterMs
    )
      this.#set(ConnectionState.unmonitored);
  }

  /** Stops: our channels close, the link goes down. Idempotent. */
  end(reason: string): void {
    if (this.state === ConnectionState.closed) return;
    const wasUp = this.state === ConnectionState.monitored;
    this.state = ConnectionState.closed;
    clearTimeout(this.#rearmTimer);
    if (isSimplePeer(this.connection)) this.connection.removeListener('close', this.#onPeerClose);
    this.#pc.removeEventListener('connectionstatechange', this.#onStateChange);
    this.#channels?.close(reason);
    if (wasUp) this.#mesh.transport.down(this.remote, this);
    this.#mesh.changed(this);
  }

  #set(state: ConnectionState): void {
    if (this.state === state || this.state === ConnectionState.closed) return;
    this.state = state;
    this.#mesh.changed(this);
  }
}

function isSimplePeer(c: AttachableConnection): c is SimplePeerLike {
  return typeof (c as Partial<SimplePeerLike>).on === 'function' && '_pc' in c;
}

/** A detector for connections the app already has (see the file comment). */
export function createAttachedMesh(options: AttachedMeshOptions = {}): AttachedMesh {
  return new AttachedMesh(options);
}

/**
 * Watches `connection` (a classic `simple-peer` 9 instance, a `@thaunknown/simple-peer` instance or
 * a bare `RTCPeerConnection` with a data section) to `remotePeerId` in `mesh`. Returns a function
 * that detaches. Adds no RTCPeerConnection, renegotiates nothing, sends nothing on the app's
 * channels. Attach right after creating the connection, on both sides (or at any later time:
 * the hello handshake copes with one side attaching late). Throws {@link InvalidPeerIdError} for a
 * `remotePeerId` that is not canonical (`isCanonicalPeerId`) or is the mesh's own id.
 */
export function attach(
  mesh: AttachedMesh,
  remotePeerId: PeerId,
  connection: AttachableConnection,
): () => void {
  return mesh.attach(remotePeerId, connection);
}
