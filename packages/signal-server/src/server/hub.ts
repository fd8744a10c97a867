/**
 * The server's protocol logic: frames in, joins/leaves/relays out, every limit enforced and counted.
 * Transport-agnostic apart from the `ws` socket it writes to; HTTP lives in `signal-server.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { encode, needsKeyProof, parseClientMessage } from '@pulsemesh/signal';
import { CloseCode, ErrorCode, MessageType, PROTOCOL_VERSION, SessionEndKind } from '@pulsemesh/signal';
import type {
  ClientMessage,
  JoinMessage,
  PeerId,
  RoomId,
  ServerMessage,
  SignalMessage,
} from '@pulsemesh/signal';
import { checkJoinToken } from './auth.js';
import { checkKeyProof } from './key-proof.js';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { reconcile } from './reconcile.js';
import type { ReconcileState } from './reconcile.js';
import { iceServersFor, turnRenewAfterMs } from './turn-credentials.js';
import { Rooms } from './rooms.js';
import type { LocalMember } from './rooms.js';
import type { RedisScaleOut, ScaleOutHandlers } from './scale-out.js';

const OPEN = 1;
/** Frames that may wait behind an asynchronous join on one socket. */
const QUEUE_MAX = 32;
/** Above this many times `sendBufferBytesMax`, a room's own frame closes the socket (relays: dropped above 1). */
const CONTROL_BUFFER_FACTOR = 2;

const PARSE_REJECT_REASON = {
  [ErrorCode.malformed]: RejectReason.malformed,
  [ErrorCode.unsupportedVersion]: RejectReason.unsupportedVersion,
  [ErrorCode.invalidPeerId]: RejectReason.invalidPeerId,
} as const;

function hashClaim(claim: string): string {
  return createHash('sha256').update(claim).digest('base64url').slice(0, 32);
}

/** Protocol logic of one server instance. */
export class Hub implements ScaleOutHandlers {
  readonly rooms = new Rooms();
  readonly #o: ResolvedOptions;
  readonly #metrics: SignalMetrics;
  readonly #log: Logger;
  readonly #secret: Uint8Array | undefined;
  #bus: RedisScaleOut | undefined;
  readonly #releases = new Set<Promise<unknown>>();
  readonly #reconcileState: ReconcileState;

  constructor(options: ResolvedOptions, metrics: SignalMetrics, log: Logger) {
    this.#o = options;
    this.#metrics = metrics;
    this.#log = log;
    this.#secret =
      options.tokenSecret === undefined ? undefined : new TextEncoder().encode(options.tokenSecret);
    this.#reconcileState = {
      lostUntil: new Map(),
      graceMs: 2 * options.instanceTtlMs,
      onReclaimed: (n) => metrics.rosterReclaims.inc(n),
    };
  }

  /** Attaches the Redis scale-out (before any socket connects). */
  useScaleOut(bus: RedisScaleOut): void {
    this.#bus = bus;
  }

  /** Handles one inbound WebSocket frame. Never throws. */
  onFrame(conn: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    // Frames still arriving on a socket this server is closing are dropped uncounted: a closed
    // abuser counts once under its reason, not once per frame it had in flight.
    if (conn.ws.readyState !== OPEN) return;
    const nowMs = performance.now();
    conn.lastRxMs = nowMs;
    if (isBinary) {
      this.#reject(RejectReason.binaryFrame);
      conn.ws.close(CloseCode.unsupportedData, 'text frames only');
      return;
    }
    if (!conn.bucket.take(nowMs)) {
      this.#rateLimited(conn, nowMs);
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.from(new Uint8Array(data)).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.#reject(PARSE_REJECT_REASON[parsed.error.code]);
      this.#error(conn, parsed.error.code, parsed.error.message);
      return;
    }
    const msg = parsed.message;
    if (msg.t === MessageType.ping) {
      this.send(conn, { v: PROTOCOL_VERSION, t: MessageType.pong, n: msg.n });
      return;
    }
    if (msg.t === MessageType.pong) return;
    if (msg.t === MessageType.challenge) {
      conn.nonce ??= randomBytes(18).toString('base64url');
      this.send(conn, { v: PROTOCOL_VERSION, t: MessageType.challenge, nonce: conn.nonce });
      return;
    }
    if (msg.t !== MessageType.join && conn.queued === 0) {
      this.#dispatch(conn, msg, nowMs);
      return;
    }
    if (conn.queued >= QUEUE_MAX) {
      this.#reject(RejectReason.queueFull);
      this.#error(conn, ErrorCode.rateLimited, 'too many frames waiting for a join');
      return;
    }
    conn.queued++;
    conn.queue = conn.queue
      .then(() => (conn.closed ? undefined : this.#dispatch(conn, msg, nowMs)))
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

  /**
   * Sends a frame if the socket is open and not backed up; returns whether it was sent. Relays
   * (which any member can send in bulk) are dropped above `sendBufferBytesMax`; the room's own
   * frames (rosters, joins, leaves, session ends, errors) are never dropped from an open socket:
   * above `CONTROL_BUFFER_FACTOR` times that, the socket is closed instead (decisions 0041, 0044).
   */
  send(conn: Connection, msg: ServerMessage): boolean {
    return this.#sendText(conn, encode(msg), msg.t !== MessageType.relay);
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

  onRelay(room: RoomId, from: PeerId, to: PeerId, payload: unknown, atMs: number): void {
    const target = this.rooms.local(room, to);
    if (!target) return;
    if (this.send(target.conn, { v: PROTOCOL_VERSION, t: MessageType.relay, room, from, payload })) {
      this.#metrics.relayed.inc({ path: 'remote' });
      this.#metrics.relayLatency.observe(Math.max(0, Date.now() - atMs) / 1000);
    }
  }

  /** Resolves when every Redis release started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.#releases]);
  }

  /** Anti-entropy with Redis (see `reconcile`), called every `instanceTtlMs / 3`. */
  async reconcile(): Promise<void> {
    if (this.#bus) await reconcile(this, this.#bus, this.#o.instanceId, this.#log, this.#reconcileState);
  }

  async #dispatch(conn: Connection, msg: ClientMessage, rxMs: number): Promise<void> {
    switch (msg.t) {
      case MessageType.join:
        return this.#join(conn, msg);
      case MessageType.leave:
        if (!conn.rooms.has(msg.room)) {
          this.#reject(RejectReason.notInRoom);
          this.#error(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
          return;
        }
        this.#leave(conn, msg.room, SessionEndKind.left);
        return;
      case MessageType.signal:
        this.#signal(conn, msg, rxMs);
        return;
    }
  }

  async #join(conn: Connection, msg: JoinMessage): Promise<void> {
    const { room, peer } = msg;
    const current = conn.rooms.get(room);
    if (current !== undefined) {
      if (current !== peer)
        return this.#joinError(conn, ErrorCode.peerIdTaken, `already in room as ${current}`, room);
      this.#sendRoster(conn, room, peer);
      return;
    }
    if (conn.rooms.size >= this.#o.roomsPerSocketMax) {
      return this.#joinError(
        conn,
        ErrorCode.tooManyRooms,
        `at most ${this.#o.roomsPerSocketMax} rooms per socket`,
        room,
      );
    }
    if (this.#secret) {
      const check = await checkJoinToken(this.#secret, msg.token, room, peer);
      if (!check.ok) return this.#joinError(conn, check.code, check.message, room);
      if (conn.closed) return;
    }
    // On top of any token: a key-derived id only for the holder of its key (decision 0012).
    if (needsKeyProof(peer) && !checkKeyProof(msg, conn.nonce)) {
      this.#reject(RejectReason.keyProof);
      this.#error(conn, ErrorCode.unauthorized, 'key proof missing or invalid for this peer id', room);
      return;
    }
    const claimHash = hashClaim(msg.claim);
    const existing = this.rooms.local(room, peer);
    const waiting = this.rooms.pending(room, peer);
    if ([existing, waiting].some((m) => m !== undefined && m.claimHash !== claimHash)) {
      return this.#joinError(conn, ErrorCode.peerIdTaken, 'peer id in use', room);
    }
    if (waiting) this.#evictPending(room, peer, waiting);
    if (existing) this.#evict(room, peer, existing.conn);
    else if (!this.#bus && this.rooms.localCount(room) >= this.#o.peersPerRoomMax) {
      return this.#joinError(
        conn,
        ErrorCode.roomFull,
        `at most ${this.#o.peersPerRoomMax} peers per room`,
        room,
      );
    }
    const remoteOwner = this.rooms.remote(room, peer);
    const member = { conn, claimHash };
    conn.rooms.set(room, peer);
    if (!this.#bus) this.rooms.addLocal(room, peer, member);
    else {
      // Pending until the claim answers: no member (decision 0041), invisible to every lookup but
      // this one, and p's remote entry stays, so relays and ends of p still go to p (decision 0044).
      this.rooms.addPending(room, peer, member);
      let claimed = await this.#bus.claim(room, peer, claimHash, this.#o.peersPerRoomMax);
      if (claimed.ok && claimed.fresh && remoteOwner !== undefined) {
        // This instance sees the id on a live instance but Redis had no entry for it: Redis lost
        // it (a restart) or its leave is on the way. Not free until its owner re-claims or the
        // leave arrives: the client retries (decision 0041).
        this.#release(room, peer);
        claimed = { ok: false, code: ErrorCode.unavailable };
      }
      const stillMine = this.rooms.pending(room, peer) === member && !conn.closed;
      if (!claimed.ok || !stillMine) {
        if (stillMine) {
          conn.rooms.delete(room);
          this.#dropPending(room, peer, member);
        }
        // Closed (or evicted) while pending, its claim won: the entry must not outlive it.
        if (claimed.ok && !this.rooms.local(room, peer) && !this.rooms.pending(room, peer))
          this.#release(room, peer);
        if (!claimed.ok) this.#joinError(conn, claimed.code, 'could not claim peer id', room);
        return;
      }
      this.rooms.promote(room, peer, member);
      for (const [other, instanceId] of claimed.members) {
        if (instanceId !== this.#o.instanceId && !this.rooms.local(room, other)) {
          this.rooms.setRemote(room, other, instanceId);
        }
      }
      this.#bus.announceJoin(room, peer, conn.session);
    }
    this.#metrics.rooms.set(this.rooms.size);
    this.#sendRoster(conn, room, peer);
    this.#broadcast(
      room,
      { v: PROTOCOL_VERSION, t: MessageType.peerJoin, room, peer, session: conn.session },
      peer,
    );
    this.#log.debug({ room, peer, conn: conn.id }, 'join');
  }

  /**
   * Sends `peer` its roster; with TURN, again every `renewAfterSeconds` while it stays joined on
   * this socket, so its credential is renewed before it expires (new links use the fresh one).
   */
  #sendRoster(conn: Connection, room: RoomId, peer: PeerId): void {
    this.send(conn, this.#roster(room, peer));
    const turn = this.#o.turn;
    if (!turn) return;
    clearTimeout(conn.turnRenewals.get(room));
    const timer = setTimeout(() => {
      conn.turnRenewals.delete(room);
      if (!conn.closed && conn.rooms.get(room) === peer && this.rooms.local(room, peer)?.conn === conn)
        this.#sendRoster(conn, room, peer);
    }, turnRenewAfterMs(turn));
    timer.unref();
    conn.turnRenewals.set(room, timer);
  }

  /** The roster for `peer`: the others, and ICE servers with a credential of its own (TURN). */
  #roster(room: RoomId, peer: PeerId): ServerMessage {
    const peers = this.#others(room, peer);
    const turn = this.#o.turn;
    if (!turn) return { v: PROTOCOL_VERSION, t: MessageType.roster, room, peers };
    return {
      v: PROTOCOL_VERSION,
      t: MessageType.roster,
      room,
      peers,
      iceServers: iceServersFor(turn, peer, Date.now()),
    };
  }

  #leave(conn: Connection, room: RoomId, kind: SessionEndKind | null): void {
    const peer = conn.rooms.get(room);
    if (peer === undefined) return;
    const member = this.rooms.local(room, peer);
    if (member?.conn !== conn) {
      conn.rooms.delete(room);
      // A pending claim is no member yet (decision 0041): `#join` cleans up when the claim answers.
      const waiting = this.rooms.pending(room, peer);
      if (waiting?.conn === conn) this.#dropPending(room, peer, waiting);
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

  #signal(conn: Connection, msg: SignalMessage, rxMs: number): void {
    const from = conn.rooms.get(msg.room);
    if (from === undefined) {
      this.#reject(RejectReason.notInRoom);
      this.#error(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
      return;
    }
    const target = this.rooms.local(msg.room, msg.to);
    if (target) {
      const relay: ServerMessage = {
        v: PROTOCOL_VERSION,
        t: MessageType.relay,
        room: msg.room,
        from,
        payload: msg.payload,
      };
      if (this.send(target.conn, relay)) {
        this.#metrics.relayed.inc({ path: 'local' });
        this.#metrics.relayLatency.observe((performance.now() - rxMs) / 1000);
      }
      return;
    }
    if (this.#bus && this.rooms.remote(msg.room, msg.to) !== undefined) {
      this.#bus.relay(msg.room, from, msg.to, msg.payload, Date.now() - (performance.now() - rxMs));
      return;
    }
    this.#reject(RejectReason.unknownPeer);
    this.#error(conn, ErrorCode.unknownPeer, 'no such peer in this room', msg.room);
  }

  /** Takes a peer id away from its old socket (a re-join with the same claim won). */
  #evict(room: RoomId, peer: PeerId, old: Connection): void {
    this.#dropLocal(old, room, peer);
    this.#error(old, ErrorCode.replaced, 'peer id re-joined from another connection', room);
  }

  /** Takes a pending join away from its socket (a re-join of the same id and claim came in). */
  #evictPending(room: RoomId, peer: PeerId, member: LocalMember): void {
    member.conn.rooms.delete(room);
    this.#dropPending(room, peer, member);
    this.#error(member.conn, ErrorCode.replaced, 'peer id re-joined from another connection', room);
  }

  #dropPending(room: RoomId, peer: PeerId, member: LocalMember): void {
    if (this.rooms.removePending(room, peer, member)) this.#bus?.roomEmpty(room);
    this.#metrics.rooms.set(this.rooms.size);
  }

  #dropLocal(conn: Connection, room: RoomId, peer: PeerId): void {
    conn.rooms.delete(room);
    clearTimeout(conn.turnRenewals.get(room));
    conn.turnRenewals.delete(room);
    if (this.rooms.removeLocal(room, peer)) this.#bus?.roomEmpty(room);
    this.#metrics.rooms.set(this.rooms.size);
  }

  #others(room: RoomId, self: PeerId): PeerId[] {
    return this.rooms.peers(room).filter((p) => p !== self);
  }

  #broadcast(room: RoomId, msg: ServerMessage, except: PeerId): void {
    const text = encode(msg);
    for (const [peer, member] of this.rooms.localMembers(room)) {
      if (peer !== except) this.#sendText(member.conn, text, true);
    }
  }

  #sendText(conn: Connection, text: string, control: boolean): boolean {
    if (conn.ws.readyState !== OPEN) return false;
    const max = this.#o.sendBufferBytesMax * (control ? CONTROL_BUFFER_FACTOR : 1);
    if (conn.ws.bufferedAmount > max) {
      if (control) this.#closeSlow(conn);
      else this.#reject(RejectReason.slowConsumer);
      return false;
    }
    conn.ws.send(text);
    return true;
  }

  /**
   * A socket that cannot take one more of the room's own frames is closed, not left open without
   * them: its client reconnects, re-joins and gets a fresh roster (decision 0044). Terminated: a
   * close frame would wait behind the full buffer. No witness about it (`endKind` null): members
   * flooding it must not be able to end its session in the room's eyes; the room hears a
   * `peer-leave`, then its `peer-join` when it is back.
   */
  #closeSlow(conn: Connection): void {
    this.#reject(RejectReason.slowConsumerClosed);
    this.#log.warn(
      { conn: conn.id, ip: conn.ip, bufferedBytes: conn.ws.bufferedAmount },
      "closed a socket whose send buffer was full: it would have lost the room's frames",
    );
    conn.endKind = null;
    conn.ws.terminate();
  }

  #rateLimited(conn: Connection, nowMs: number): void {
    this.#reject(RejectReason.rateLimited);
    if (nowMs - conn.dropWindowStartMs >= 1000) {
      conn.dropWindowStartMs = nowMs;
      conn.dropsInWindow = 0;
    }
    if (++conn.dropsInWindow > this.#o.messagesPerSecondMax) {
      this.#reject(RejectReason.rateAbuse);
      conn.endKind = null; // closed by this server for abuse: no witness about it
      conn.ws.close(CloseCode.policyViolation, 'rate limit');
      return;
    }
    if (nowMs - conn.rateErrorSentMs >= 1000) {
      conn.rateErrorSentMs = nowMs;
      this.#error(conn, ErrorCode.rateLimited, `more than ${this.#o.messagesPerSecondMax} frames/s; dropped`);
    }
  }

  #joinError(conn: Connection, code: ErrorCode, message: string, room: RoomId): void {
    this.#reject(code as RejectReason);
    this.#error(conn, code, message, room);
  }

  #error(conn: Connection, code: ErrorCode, message: string, room?: RoomId): void {
    this.send(conn, {
      v: PROTOCOL_VERSION,
      t: MessageType.error,
      code,
      message,
      ...(room === undefined ? {} : { room }),
    });
  }

  #reject(reason: RejectReason): void {
    this.#metrics.rejections.inc({ reason });
  }
}
