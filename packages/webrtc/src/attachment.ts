/**
 * One attached connection (see `attach.ts`): the link protocol's channels on a connection the app
 * made, the key proof of its remote id (`attach-proof.ts`, decision 0049), and its registration in
 * the mesh's link table while it runs and counts.
 */
import type { PeerId } from '@pulsemesh/core';
import type { AttachedMesh } from './attach.js';
import { AttachProofError, connectionFingerprints, type AttachProof } from './attach-proof.js';
import { ReliableTag, type PeerLink } from './link-table.js';
import { PulseChannels, type LinkCounters } from './pulse-channels.js';

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
  /** The far side answers; its key-derived id is not proven yet (`attach-proof.ts`): not used. */
  proving: 'proving',
  /** The far side answers on the link protocol: the detector watches it. */
  monitored: 'monitored',
  /** Up, but silent on the link protocol for `unmonitoredAfterMs`: it runs no pulsemesh. */
  unmonitored: 'unmonitored',
  closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Channels reset before the far side answered are re-created after a pause of up to this (ms)… */
const rearmPauseMsMax = 1_000;
/** …and listen this long before their first hello (longer than the largest pause). */
const rearmListenMs = 1_500;

/** One attached connection: our channels on it, registered in the mesh's link table while monitored. */
export class Attachment implements PeerLink {
  readonly remote: PeerId;
  readonly connection: AttachableConnection;
  state: ConnectionState = ConnectionState.connecting;
  #mesh: AttachedMesh;
  #pc: RTCPeerConnection;
  #channels: PulseChannels | undefined;
  #proof: AttachProof | undefined;
  #provingSinceMs: number | undefined;
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
    const proof = this.#mesh.proofFor(
      remote,
      () => connectionFingerprints(this.#pc),
      (bytes) => channels.sendReliable(bytes),
    );
    const channels: PulseChannels = new PulseChannels(this.#pc, {
      reliableMessageBytesMax: this.#mesh.reliableMessageBytesMax,
      helloAfterMs,
      handlers: {
        open: () => {
          if (!proof.required) return this.#linkUp();
          this.#provingSinceMs = performance.now();
          this.#set(ConnectionState.proving);
          proof.start();
        },
        close: (reason) => this.#channelsClosed(channels, reason),
        heartbeat: (bytes) => {
          if (this.#unproven()) this.#mesh.proofCounters.unprovenMessages += 1;
          else table.deliver(this.linkId, bytes);
        },
        reliable: (bytes) => {
          if (bytes[0] === ReliableTag.proof) return this.#onProofMessage(proof, bytes);
          if (!this.#unproven()) return table.deliverReliable(this.linkId, bytes);
          this.#mesh.proofCounters.unprovenMessages += 1;
          return 'message before the key proof';
        },
      },
    });
    this.#channels = channels;
    this.#proof = proof;
  }

  get proven(): boolean {
    return this.#proof?.proven ?? false;
  }

  /**
   * The id the detector knows this link by: the id the far end's key proved (the app's own id when
   * that is key-derived; the key's id when this mesh has an identity and the app's id is plain),
   * else the app's id (a plain id, not proven).
   */
  get linkId(): PeerId {
    return this.#proof?.provenId ?? this.remote;
  }

  /** Whether this link's id must be proven and is not (yet). */
  #unproven(): boolean {
    return this.#proof === undefined || (this.#proof.required && !this.#proof.proven);
  }

  #onProofMessage(proof: AttachProof, bytes: Uint8Array): string | undefined {
    if (proof !== this.#proof || this.state === ConnectionState.closed) return undefined;
    const step = proof.receive(bytes);
    if (step?.kind === 'refused') {
      this.#refuse(step.error);
      return `key proof: ${step.error}`;
    }
    if (step?.kind === 'proven') {
      if (!this.#mesh.mayCount(this, step.id)) {
        this.#refuse(AttachProofError.pinnedKey);
        return `key proof: ${AttachProofError.pinnedKey}`;
      }
      this.#linkUp(); // first: a challenger's link replaces the old one in the table without a gap
      this.#mesh.provedKey(this);
    }
    return undefined;
  }

  #refuse(error: AttachProofError): void {
    this.#mesh.refusedProof(this, error);
    this.end(`key proof refused: ${error}`);
  }

  /** The link counts: registered in the link table (the detector hears of it). */
  #linkUp(): void {
    this.#set(ConnectionState.monitored);
    if (!this.#mesh.transport.up(this.linkId, this)) this.end('refused by the link table');
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
    const answered = this.state === ConnectionState.monitored || this.state === ConnectionState.proving;
    if (answered || this.#connectionClosed()) return this.end(reason);
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
    if (this.state === ConnectionState.proving && nowMs - this.#provingSinceMs! >= this.#mesh.proofTimeoutMs)
      return this.#refuse(AttachProofError.timeout);
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
    if (wasUp) this.#mesh.transport.down(this.linkId, this);
    this.#mesh.changed(this);
  }

  #set(state: ConnectionState): void {
    if (this.state === state || this.state === ConnectionState.closed) return;
    this.state = state;
    this.#mesh.changed(this);
  }
}

export function isSimplePeer(c: AttachableConnection): c is SimplePeerLike {
  return typeof (c as Partial<SimplePeerLike>).on === 'function' && '_pc' in c;
}
