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
 * A remote id that is key-derived (`k` + 24 base32) must be proven (decision 0049,
 * `attach-proof.ts`): the link counts only after the far end signed our challenge and this
 * connection's DTLS fingerprints with the key the id is derived from; until then nothing it sends
 * reaches the detector, and a connection that fails or skips the proof is closed and counted. A
 * second connection for an id a proven link holds waits, unused, until it proves the key too. On a
 * mesh with an identity, the first key proven under a plain app id is pinned to it until that key
 * proves under another app id or its member is `left` or reaped (`app-id-pins.ts`, decisions 0057,
 * 0061): another key under it is refused.
 * Plain ids without identities are not proven: any member can claim one, so rooms that need
 * verdicts they can trust give every peer an identity (`trust`, key-derived `peerId`).
 *
 * Links need no pulsemesh server. Where one runs anyway, `signal` joins it for its session witness
 * only (decision 0013): a peer whose socket the server saw drop is checked at once and failed
 * `witnessed`, instead of waiting out a suspicion.
 */
import { isCanonicalPeerId, type DetectorEventMap, type PeerId } from '@pulsemesh/core';
import { SignalClient, type WebSocketConstructorLike } from '@pulsemesh/signal';
import { AppIdPins } from './app-id-pins.js';
import { AttachProof, newProofCounters, type AttachProofError, type ProofCounters } from './attach-proof.js';
import { Attachment, ConnectionState, type AttachableConnection } from './attachment.js';
import { DetectorHost, randomPeerId, type HostOptions } from './detector-host.js';
import { LinkTable } from './link-table.js';
import type { LinkCounters } from './pulse-channels.js';

export { ConnectionState, type AttachableConnection, type SimplePeerLike } from './attachment.js';

/**
 * `attach` refused a remote peer id: not canonical ASCII (`isCanonicalPeerId`: lowercase letters,
 * digits, `.`, `_`, `-`, at most 64, so no look-alikes and nothing the detector would refuse), or
 * this peer's own id. Counted in `mesh.transport.counters.idsRefused`; nothing is attached.
 */
export class InvalidPeerIdError extends Error {
  override readonly name = 'InvalidPeerIdError';
}

/** One attached connection, as {@link AttachedMesh.connections} reports it. */
export interface AttachedConnectionInfo {
  peer: PeerId;
  state: ConnectionState;
  /** Counters of the current link-protocol channels (bytes include framing, not SCTP/DTLS). */
  counters: LinkCounters;
  /** Times our channels were reset by the far side before it answered, and re-created. */
  channelResets: number;
  /** Whether the far end proved a key: `peer`'s, or, on a mesh with an identity, `identity`'s. */
  proven: boolean;
  /** The id the detector knows this peer by (`peers()`, verdicts): the proven key's id once
   * proven, else `peer` (the app's id). */
  identity: PeerId;
}

/** Options of {@link createAttachedMesh}. */
export interface AttachedMeshOptions extends HostOptions {
  /** This peer's id, as the app's other peers know it (1..64 UTF-8 bytes). Default random. */
  peerId?: string;
  /** Silence on the link protocol after which a connection counts as `unmonitored` (ms). Default
   * 5,000: a pulsemesh peer answers the first hello within one round trip. */
  unmonitoredAfterMs?: number;
  /** Time from the far side answering to a valid key proof for a key-derived id (ms), after which
   * the connection is closed and counted (`proofCounters.refused.timeout`). Default 5,000: the
   * proof is one round trip on the link's reliable channel. */
  proofTimeoutMs?: number;
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

/**
 * A detector watching connections the app made. Implements `MeshView` (for `<pulse-mesh .mesh=…>`).
 *
 * @fires status-change, join, leave, interval-change, health-change, local-health-change, reap,
 *   decode-error - the detector's events.
 * @fires connection - `{ peer, state }` when an attached connection changes {@link ConnectionState}.
 * @fires proof-refused - `{ peer, error }` (an `AttachProofError`) when a connection to a key-derived
 *   id failed its key proof or timed out; it is closed and counted in `proofCounters.refused`.
 */
export class AttachedMesh extends DetectorHost {
  readonly transport: LinkTable;
  readonly unmonitoredAfterMs: number;
  readonly proofTimeoutMs: number;
  readonly reliableMessageBytesMax: number;
  /** Key proofs on attached links (decision 0049): proven, refused by reason, dropped input. */
  readonly proofCounters: ProofCounters = newProofCounters();
  /** This mesh's signer (`trust`), kept private: attachments get proofs made with it, not it. */
  #trust: HostOptions['trust'];
  #attachments = new Map<PeerId, Attachment>();
  /** Second connections for ids a proven link holds: unused until they prove the key too. */
  #challengers = new Map<PeerId, Attachment>();
  /** Plain app id → the key first proven under it (decision 0057). */
  #pins = new AppIdPins();
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
    this.proofTimeoutMs = options.proofTimeoutMs ?? 5_000;
    this.#trust = options.trust;
    this.reliableMessageBytesMax = options.reliableMessageBytesMax ?? table.maxMessageBytes + 1;
    this.signalClient = options.signal && this.#joinForWitness(options.signal);
    this.#followMemberTable();
  }

  /**
   * Pins end with their key's member (decision 0057): at once when it is `left`; a failed member's
   * pin lasts until its reap time even when a full table reaps or evicts it sooner (0061), so a
   * flood of newcomers cannot free carol's app id while she reconnects.
   */
  #followMemberTable(): void {
    const reapAfterMs = this.config.reapAfterMs;
    const on = <K extends 'leave' | 'reap' | 'evict'>(type: K, f: (d: DetectorEventMap[K]) => void): void =>
      this.detector.addEventListener(type, (e) => f((e as CustomEvent<DetectorEventMap[K]>).detail));
    on('leave', (d) => this.#pins.forget(d.peer));
    on('reap', (d) => {
      const untilMs = d.endedAtMs + reapAfterMs;
      if (d.ended === 'left' || untilMs <= d.atMs) this.#pins.forget(d.peer);
      else this.#pins.holdUntil(d.peer, untilMs);
    });
    on('evict', (d) => this.#pins.holdUntil(d.peer, d.atMs + reapAfterMs));
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
    const challenger = this.#challengers.get(remotePeerId);
    for (const a of [existing, challenger])
      if (a?.connection === connection && a.state !== ConnectionState.closed)
        return () => this.detach(remotePeerId);
    this.#timer ??= setInterval(() => this.#check(), checkEveryMs);
    (this.#timer as { unref?: () => void }).unref?.();
    if (existing?.proven) {
      // A proven link holds this id: the new connection is used only once it proves the key too.
      challenger?.end('replaced by a newer challenger');
      const next = new Attachment(this, remotePeerId, connection);
      this.#challengers.set(remotePeerId, next);
      return () => next.end('detached');
    }
    existing?.end('replaced by a new connection');
    const attachment = new Attachment(this, remotePeerId, connection);
    this.#attachments.set(remotePeerId, attachment);
    return () => {
      if (this.#attachments.get(remotePeerId) === attachment) this.detach(remotePeerId);
    };
  }

  /** Closes our channels on the connection to `remotePeerId` (never the connection itself). */
  detach(remotePeerId: PeerId): void {
    this.#challengers.get(remotePeerId)?.end('detached');
    this.#attachments.get(remotePeerId)?.end('detached');
  }

  /** Every attached connection that is not closed (a challenger of a proven link included). */
  connections(): AttachedConnectionInfo[] {
    return [...this.#attachments.values(), ...this.#challengers.values()].map((a) => ({
      peer: a.remote,
      state: a.state,
      counters: { ...a.counters },
      channelResets: a.channelResets,
      proven: a.proven,
      identity: a.linkId,
    }));
  }

  /** @internal The key proof of one set of channels to `remote` (signed with this mesh's key). */
  proofFor(
    remote: PeerId,
    fingerprints: () => string[] | undefined,
    send: (bytes: Uint8Array) => boolean,
  ): AttachProof {
    return new AttachProof({ local: this.localId, remote, trust: this.#trust, fingerprints, send });
  }

  /**
   * @internal Whether a link under `attachment.remote` whose far end proved `keyId` may count: the
   * key pinned to that app id, or none pinned, and the same key as a proven link holding it.
   */
  mayCount(attachment: Attachment, keyId: PeerId): boolean {
    const holder = this.#attachments.get(attachment.remote);
    if (holder !== attachment && holder?.proven && holder.linkId !== keyId) return false;
    return this.#pins.allows(attachment.remote, keyId, performance.now());
  }

  /**
   * @internal An attachment's far end proved its key: a challenger takes over its id from the
   * link it challenged (the far end holds the key: it reconnected).
   */
  provedKey(attachment: Attachment): void {
    this.proofCounters.proven += 1;
    // One key, one app id (0061): this proof releases the key's pin of another app id.
    const key = attachment.linkId;
    const up = attachment.state !== ConnectionState.closed;
    if (up) this.#pins.pin(attachment.remote, key);
    else if (this.#pins.keyOf(attachment.remote) !== key) this.#pins.forget(key);
    // A key the member table did not take (full) gets no `leave`/`reap`: its pin is held on a deadline.
    if (up && !this.detector.peer(key))
      this.#pins.holdUntil(key, performance.now() + this.config.reapAfterMs);
    // Another connection (under another app id) whose far end proved the same key: the key's
    // holder reconnected (a reload gets a new y-webrtc id); the newest proof holds the link.
    for (const a of [...this.#attachments.values()])
      if (a !== attachment && a.proven && a.linkId === attachment.linkId)
        a.end('replaced by a proven connection');
    if (this.#challengers.get(attachment.remote) !== attachment) return;
    this.#challengers.delete(attachment.remote);
    const old = this.#attachments.get(attachment.remote);
    this.#attachments.set(attachment.remote, attachment);
    old?.end('replaced by a proven connection');
  }

  /** @internal An attachment's proof was refused (it closes itself). */
  refusedProof(attachment: Attachment, error: AttachProofError): void {
    this.proofCounters.refused[error] += 1;
    if (this.#challengers.get(attachment.remote) === attachment) this.proofCounters.challengersRefused += 1;
    this.dispatchEvent(new CustomEvent('proof-refused', { detail: { peer: attachment.remote, error } }));
  }

  /** Closes `resource` (another link source, e.g. `BroadcastLinks`) when this mesh closes. */
  own(resource: { close(): void }): void {
    this.#owned.push(resource);
  }

  protected override onClose(): void {
    this.signalClient?.close();
    clearInterval(this.#timer);
    for (const r of this.#owned.splice(0)) r.close();
    for (const a of [...this.#attachments.values(), ...this.#challengers.values()]) a.end('mesh closed');
  }

  /** @internal Called by an attachment whose state changed. */
  changed(attachment: Attachment): void {
    const closed = attachment.state === ConnectionState.closed;
    if (closed && this.#attachments.get(attachment.remote) === attachment)
      this.#attachments.delete(attachment.remote);
    if (closed && attachment.proven && !this.detector.peer(attachment.linkId))
      this.#pins.holdUntil(attachment.linkId, performance.now() + this.config.reapAfterMs);
    if (closed && this.#challengers.get(attachment.remote) === attachment)
      this.#challengers.delete(attachment.remote);
    this.dispatchEvent(
      new CustomEvent('connection', { detail: { peer: attachment.remote, state: attachment.state } }),
    );
  }

  #check(): void {
    const now = performance.now();
    for (const a of [...this.#attachments.values(), ...this.#challengers.values()]) a.check(now);
    if (this.#attachments.size === 0 && this.#challengers.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
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
