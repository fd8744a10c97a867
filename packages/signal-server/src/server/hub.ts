/**
 * The server's protocol logic: frames in, joins/leaves/relays out, every limit enforced and counted.
 * Transport-agnostic apart from the `ws` socket it writes to; HTTP lives in `signal-server.ts`.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { ErrorCode, MessageType, PROTOCOL_VERSION, SessionEndKind } from '@pulsemesh/signal';
import type { ClientMessage, JoinMessage, PeerId, RoomId, ServerMessage } from '@pulsemesh/signal';
import { Admission } from './admission.js';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import { relayBurstBytes } from './options.js';
import type { ResolvedOptions } from './options.js';
import { readFrame } from './frames.js';
import { reconcile } from './reconcile.js';
import type { ReconcileState } from './reconcile.js';
import { Outbound } from './outbound.js';
import { hashClaim, PendingJoins } from './pending-joins.js';
import { Relays, type RelayBound } from './relays.js';
import { Rooms } from './rooms.js';
import { sendRoster } from './roster.js';
import type { RedisScaleOut, RemoteRelay, ScaleOutHandlers } from './scale-out.js';

const OPEN = 1;
/** Frames that may wait behind an asynchronous join on one socket. */
const QUEUE_MAX = 32;

function relayBoundOf(o: ResolvedOptions): RelayBound {
  return { bytesPerSecond: o.relayBytesPerSecondMax, burstBytes: relayBurstBytes(o) };
}

/** Protocol logic of one server instance. */
export class Hub implements ScaleOutHandlers {
  readonly rooms = new Rooms();
  readonly #o: ResolvedOptions;
  readonly #metrics: SignalMetrics;
  readonly #log: Logger;
  readonly #out: Outbound;
  #bus: RedisScaleOut | undefined;
  /** Joins waiting for their claim (only with Redis). */
  #pending: PendingJoins | undefined;
  #relays: Relays;
  readonly #releases = new Set<Promise<unknown>>();
  readonly #admission: Admission;
  readonly #reconcileState: ReconcileState;

  constructor(options: ResolvedOptions, metrics: SignalMetrics, log: Logger) {
    this.#o = options;
    this.#metrics = metrics;
    this.#log = log;
    this.#out = new Outbound(options.sendBufferBytesMax, metrics, log);
    this.#relays = new Relays(this.rooms, this.#out, metrics, undefined, relayBoundOf(options));
    this.#admission = new Admission(options, this.#out);
    this.#reconcileState = {
      lostUntil: new Map(),
      graceMs: 2 * options.instanceTtlMs,
      onReclaimed: (n) => metrics.rosterReclaims.inc(n),
    };
  }

  /** Attaches the Redis scale-out (before any socket connects). */
  useScaleOut(bus: RedisScaleOut): void {
    this.#bus = bus;
    this.#relays = new Relays(this.rooms, this.#out, this.#metrics, bus, relayBoundOf(this.#o));
    this.#pending = new PendingJoins(
      {
        rooms: this.rooms,
        out: this.#out,
        metrics: this.#metrics,
        instanceId: this.#o.instanceId,
        peersPerRoomMax: this.#o.peersPerRoomMax,
        release: (room, peer) => this.#release(room, peer),
      },
      bus,
    );
  }

  /** Handles one inbound WebSocket frame. Never throws. */
  onFrame(conn: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    // Frames still arriving on a socket this server is closing are dropped uncounted: a closed
    // abuser counts once under its reason, not once per frame it had in flight.
    if (conn.ws.readyState !== OPEN) return;
    const nowMs = performance.now();
    conn.lastRxMs = nowMs;
    const msg = readFrame(conn, data, isBinary, nowMs, this.#out, this.#o.messagesPerSecondMax);
    if (msg === undefined) return;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (msg.t !== MessageType.join && conn.queued === 0) {
      this.#dispatch(conn, msg, nowMs, bytes);
      return;
    }
    if (conn.queued >= QUEUE_MAX) {
      this.#out.reject(RejectReason.queueFull);
      this.#out.error(conn, ErrorCode.rateLimited, 'too many frames waiting for a join');
      return;
    }
    conn.queued++;
    conn.queue = conn.queue
      .then(() => (conn.closed ? undefined : this.#dispatch(conn, msg, nowMs, bytes)))
      .catch((err: unknown) => this.#log.error({ err }, 'frame handler failed'))
      .finally(() => conn.queued--);
  }

  /**
   * Set when this instance stops: sockets it drops then are not peers' deaths (no `session-ended`).
   */
  stopping = false;

  /** Removes a closed socket from all its rooms, telling them how its session ended (decision 0013). */
  onClose(conn: Connection): void {
    conn.closed = true;
    for (const timer of conn.turnRenewals.values()) clearTimeout(timer);
    conn.turnRenewals.clear();
    const kind = this.stopping
      ? null
      : conn.endKind === undefined
        ? SessionEndKind.closedByPeer
        : conn.endKind;
    for (const room of [...conn.rooms.keys()]) this.#leave(conn, room, kind);
  }

  /** Sends a frame if the socket is open and not backed up; returns whether it was sent (see `Outbound`). */
  send(conn: Connection, msg: ServerMessage): boolean {
    return this.#out.send(conn, msg);
  }

  // --- scale-out handlers (messages from other instances) ---

  onJoin(room: RoomId, peer: PeerId, instanceId: string, session?: string): void {
    const local = this.rooms.local(room, peer);
    if (local) this.#evict(room, peer, local.conn);
    // Tracked while a join here waits for its claim too: its roster must include this peer.
    if (!this.rooms.tracks(room)) return;
    this.rooms.setRemote(room, peer, instanceId);
    this.#broadcast(
      room,
      { v: PROTOCOL_VERSION, t: MessageType.peerJoin, room, peer, ...(session ? { session } : {}) },
      peer,
    );
  }

  onSessionEnded(
    room: RoomId,
    peer: PeerId,
    session: string,
    kind: SessionEndKind,
    instanceId: string,
  ): void {
    if (this.rooms.localCount(room) === 0 || this.rooms.local(room, peer)) return;
    if (this.rooms.remote(room, peer) !== undefined && this.rooms.remote(room, peer) !== instanceId) return;
    this.#broadcast(
      room,
      { v: PROTOCOL_VERSION, t: MessageType.sessionEnded, room, peer, session, kind },
      peer,
    );
  }

  onLeave(room: RoomId, peer: PeerId, instanceId: string): void {
    if (!this.rooms.deleteRemote(room, peer, instanceId)) return;
    this.#broadcast(room, { v: PROTOCOL_VERSION, t: MessageType.peerLeave, room, peer }, peer);
  }

  onRelay(relay: RemoteRelay): void {
    this.#relays.fromRemote(relay);
  }

  /** Resolves when every Redis release started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.#releases]);
  }

  /** Anti-entropy with Redis (see `reconcile`), called every `instanceTtlMs / 3`. */
  async reconcile(): Promise<void> {
    if (this.#bus) await reconcile(this, this.#bus, this.#o.instanceId, this.#log, this.#reconcileState);
  }

  async #dispatch(conn: Connection, msg: ClientMessage, rxMs: number, frameBytes: number): Promise<void> {
    switch (msg.t) {
      case MessageType.join:
        return this.#join(conn, msg);
      case MessageType.leave:
        if (!conn.rooms.has(msg.room)) {
          this.#out.refuse(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
          return;
        }
        this.#leave(conn, msg.room, SessionEndKind.left);
        return;
      case MessageType.signal:
        this.#relays.signal(conn, msg, rxMs, frameBytes);
        return;
    }
  }

  async #join(conn: Connection, msg: JoinMessage): Promise<void> {
    const { room, peer } = msg;
    const current = conn.rooms.get(room);
    if (current !== undefined) {
      if (current !== peer)
        return this.#out.refuse(conn, ErrorCode.peerIdTaken, `already in room as ${current}`, room);
      this.#sendRoster(conn, room, peer);
      return;
    }
    if (!(await this.#admission.admit(conn, msg))) return;
    const claimHash = hashClaim(msg.claim);
    const existing = this.rooms.local(room, peer);
    const waiting = this.rooms.pending(room, peer);
    if ([existing, waiting].some((m) => m !== undefined && m.claimHash !== claimHash)) {
      return this.#out.refuse(conn, ErrorCode.peerIdTaken, 'peer id in use', room);
    }
    if (waiting) this.#pending?.evict(room, peer, waiting);
    if (existing) this.#evict(room, peer, existing.conn);
    else if (!this.#bus && this.rooms.localCount(room) >= this.#o.peersPerRoomMax) {
      return this.#out.refuse(
        conn,
        ErrorCode.roomFull,
        `at most ${this.#o.peersPerRoomMax} peers per room`,
        room,
      );
    }
    const remoteOwner = this.rooms.remote(room, peer);
    const member = { conn, claimHash };
    conn.rooms.set(room, peer);
    if (!this.#pending) this.rooms.addLocal(room, peer, member);
    else if (!(await this.#pending.claim(room, peer, member, remoteOwner))) return;
    this.#metrics.rooms.set(this.rooms.size);
    this.#sendRoster(conn, room, peer);
    this.#broadcast(
      room,
      { v: PROTOCOL_VERSION, t: MessageType.peerJoin, room, peer, session: conn.session },
      peer,
    );
    this.#log.debug({ room, peer, conn: conn.id }, 'join');
  }

  #sendRoster(conn: Connection, room: RoomId, peer: PeerId): void {
    sendRoster(this.#out, this.rooms, this.#o.turn, conn, room, peer);
  }

  #leave(conn: Connection, room: RoomId, kind: SessionEndKind | null): void {
    const peer = conn.rooms.get(room);
    if (peer === undefined) return;
    const member = this.rooms.local(room, peer);
    if (member?.conn !== conn) {
      conn.rooms.delete(room);
      // A pending claim is no member yet (decision 0041): `#join` cleans up when the claim answers.
      const waiting = this.rooms.pending(room, peer);
      if (waiting?.conn === conn) this.#pending?.drop(room, peer, waiting);
      return;
    }
    this.#dropLocal(conn, room, peer);
    if (kind !== null) {
      // Before the leave, so a client still knows the session it ends (decision 0013).
      const session = conn.session;
      this.#broadcast(
        room,
        { v: PROTOCOL_VERSION, t: MessageType.sessionEnded, room, peer, session, kind },
        peer,
      );
      this.#bus?.announceSessionEnd(room, peer, session, kind);
    }
    this.#broadcast(room, { v: PROTOCOL_VERSION, t: MessageType.peerLeave, room, peer }, peer);
    this.#release(room, peer);
    this.#log.debug({ room, peer, conn: conn.id }, 'leave');
  }

  /** Releases this instance's roster entry of `peer` (tracked by `settled`). */
  #release(room: RoomId, peer: PeerId): void {
    if (!this.#bus) return;
    const release = this.#bus.release(room, peer).finally(() => this.#releases.delete(release));
    this.#releases.add(release);
  }

  /** Takes a peer id away from its old socket (a re-join with the same claim won). */
  #evict(room: RoomId, peer: PeerId, old: Connection): void {
    this.#dropLocal(old, room, peer);
    this.#out.error(old, ErrorCode.replaced, 'peer id re-joined from another connection', room);
  }

  #dropLocal(conn: Connection, room: RoomId, peer: PeerId): void {
    conn.rooms.delete(room);
    clearTimeout(conn.turnRenewals.get(room));
    conn.turnRenewals.delete(room);
    if (this.rooms.removeLocal(room, peer)) this.#bus?.roomEmpty(room);
    this.#metrics.rooms.set(this.rooms.size);
  }

  #broadcast(room: RoomId, msg: ServerMessage, except: PeerId): void {
    this.#out.broadcast(this.rooms, room, msg, except);
  }
}
