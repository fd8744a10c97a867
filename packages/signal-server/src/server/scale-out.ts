/**
 * Redis scale-out: instances share room rosters (a hash per room) and talk over one pub/sub
 * channel per room. Each instance keeps a liveness key; entries of dead instances are swept.
 *
 * Keys (prefix `P`): `P:i:<instance>` liveness (PX ttl), `P:r:<room>` hash peer → `<instance> <claimHash>`.
 * Channel `P:c:<room>` carries JSON envelopes: `{k:'j',i,p}` join, `{k:'l',i,p}` leave,
 * `{k:'r',i,f,to,pl,at,a,b}` relay (`at`: wall clock ms when the origin received it; `a`: the
 * sender's client address, `b`: its frame's bytes, what the target's instance charges; 0055), `{k:'e',i,p,s,kd}`
 * a session of `p` (id `s`) ended on instance `i`, how (`kd`; decision 0013). A join carries `s` too.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ErrorCode, SessionEndKind, isCanonicalPeerId } from '@pulsemesh/signal';
import type { PeerId, RoomId } from '@pulsemesh/signal';

const END_KINDS: readonly string[] = Object.values(SessionEndKind);
function isSessionEndKind(x: unknown): x is SessionEndKind {
  return typeof x === 'string' && END_KINDS.includes(x);
}

/** A relay between instances (Redis envelope `k: 'r'`). */
export interface RemoteRelay {
  room: RoomId;
  from: PeerId;
  to: PeerId;
  payload: unknown;
  /** Wall clock ms when the origin instance received it. */
  atMs: number;
  /** The sender's client address (`clientAddress`), as the origin instance resolved it. */
  address?: string | undefined;
  /** The inbound frame's bytes at the origin (what the relay costs). */
  frameBytes?: number | undefined;
}

/** The relay an envelope `k: 'r'` carries (`f` and `to` checked by the caller). */
const optionalId = (v: unknown): boolean =>
  v === undefined || (typeof v === 'string' && isCanonicalPeerId(v));

/**
 * An envelope off Redis, or undefined when it is not one: Redis is shared infrastructure, so a
 * message on a room channel is checked like a frame from a client (not an object, an unknown kind,
 * a non-string instance id, a non-canonical peer id: dropped and logged, never thrown).
 */
function asEnvelope(v: unknown): Envelope | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  if (e['k'] !== 'j' && e['k'] !== 'l' && e['k'] !== 'r' && e['k'] !== 'e') return undefined;
  if (typeof e['i'] !== 'string') return undefined;
  if (!optionalId(e['p']) || !optionalId(e['f']) || !optionalId(e['to'])) return undefined;
  return e as unknown as Envelope;
}

function remoteRelay(room: RoomId, e: Envelope): RemoteRelay {
  return {
    room,
    from: e.f as PeerId,
    to: e.to as PeerId,
    payload: e.pl,
    atMs: typeof e.at === 'number' ? e.at : Date.now(),
    address: typeof e.a === 'string' ? e.a : undefined,
    frameBytes: typeof e.b === 'number' && e.b >= 0 ? e.b : undefined,
  };
}

/** What the scale-out layer tells the hub. */
export interface ScaleOutHandlers {
  onJoin(room: RoomId, peer: PeerId, instanceId: string, session?: string): void;
  onLeave(room: RoomId, peer: PeerId, instanceId: string): void;
  onRelay(relay: RemoteRelay): void;
  onSessionEnded(room: RoomId, peer: PeerId, session: string, kind: SessionEndKind, instanceId: string): void;
}

/** Result of claiming a peer id in a room across instances. */
export type ClaimResult =
  | {
      ok: true;
      members: Map<PeerId, string>;
      /** The roster had no entry for the id before this claim (not a re-take). */
      fresh: boolean;
    }
  | {
      ok: false;
      code: typeof ErrorCode.peerIdTaken | typeof ErrorCode.roomFull | typeof ErrorCode.unavailable;
    };

// KEYS[1] roster; ARGV: peer, "<instance> <claimHash>", claimHash, peersMax, liveness key prefix.
const CLAIM_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local inst, claim = string.match(cur, '^(%S+) (%S+)$')
  if claim ~= ARGV[3] and redis.call('EXISTS', ARGV[5] .. inst) == 1 then return {'taken'} end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return {'full'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, cur and 'ok' or 'new')
return all`;

// KEYS[1] roster; ARGV: peer, instance. Deletes the entry only if that instance still owns it.
const RELEASE_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.match(cur, '^(%S+) ') == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
return 0`;

interface Envelope {
  k: 'j' | 'l' | 'r' | 'e';
  i: string;
  s?: string;
  kd?: string;
  p?: PeerId;
  f?: PeerId;
  to?: PeerId;
  pl?: unknown;
  at?: number;
  /** A relay's sender address (`clientAddress`) and inbound frame bytes (decision 0055). */
  a?: string;
  b?: number;
}

/** Options of `RedisScaleOut`. */
export interface RedisScaleOutOptions {
  url: string;
  prefix: string;
  instanceId: string;
  instanceTtlMs: number;
  log: Logger;
  handlers: ScaleOutHandlers;
}

/** Redis pub/sub + roster hashes shared by all instances. */
export class RedisScaleOut {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #o: RedisScaleOutOptions;
  readonly #subscribed = new Set<RoomId>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastErrorLogMs = 0;

  constructor(options: RedisScaleOutOptions) {
    this.#o = options;
    const common = { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 2_000 };
    this.#pub = new Redis(options.url, { ...common, enableAutoPipelining: true });
    this.#sub = new Redis(options.url, common);
    for (const client of [this.#pub, this.#sub]) client.on('error', (err: Error) => this.#logError(err));
    this.#sub.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
  }

  /** Connects both clients and starts the liveness heartbeat + sweeper. */
  async start(sweep: () => void): Promise<void> {
    await Promise.all([this.#pub.connect(), this.#sub.connect()]);
    await this.#heartbeat();
    this.#timer = setInterval(
      () => {
        this.#heartbeat().catch((err: unknown) => this.#logError(err));
        sweep();
      },
      Math.max(100, Math.floor(this.#o.instanceTtlMs / 3)),
    );
  }

  /** Claims `peer` in `room` for this instance (subscribing to the room first). */
  async claim(room: RoomId, peer: PeerId, claimHash: string, peersMax: number): Promise<ClaimResult> {
    try {
      if (!this.#subscribed.has(room)) {
        this.#subscribed.add(room);
        await this.#sub.subscribe(this.#channel(room));
      }
      const reply = (await this.#pub.eval(
        CLAIM_LUA,
        1,
        this.#rosterKey(room),
        peer,
        `${this.#o.instanceId} ${claimHash}`,
        claimHash,
        peersMax,
        `${this.#o.prefix}:i:`,
      )) as string[];
      if (reply[0] === 'taken') return { ok: false, code: ErrorCode.peerIdTaken };
      if (reply[0] === 'full') return { ok: false, code: ErrorCode.roomFull };
      const members = new Map<PeerId, string>();
      for (let i = 1; i + 1 < reply.length; i += 2) {
        members.set(reply[i] as string, (reply[i + 1] as string).split(' ')[0] as string);
      }
      return { ok: true, members, fresh: reply[0] === 'new' };
    } catch (err) {
      this.#logError(err);
      return { ok: false, code: ErrorCode.unavailable };
    }
  }

  /** Tells other instances `peer` joined `room` here. */
  announceJoin(room: RoomId, peer: PeerId, session: string): void {
    this.#publish(room, { k: 'j', i: this.#o.instanceId, p: peer, s: session });
  }

  /** Tells other instances a session of `peer` ended here, and how (never for an instance's own death). */
  announceSessionEnd(room: RoomId, peer: PeerId, session: string, kind: SessionEndKind): void {
    this.#publish(room, { k: 'e', i: this.#o.instanceId, p: peer, s: session, kd: kind });
  }

  /** Releases `peer` of `instanceId` (this one, or a dead one) and tells the others. */
  async release(room: RoomId, peer: PeerId, instanceId = this.#o.instanceId): Promise<boolean> {
    try {
      const deleted = await this.#pub.eval(RELEASE_LUA, 1, this.#rosterKey(room), peer, instanceId);
      if (deleted === 1) this.#publish(room, { k: 'l', i: instanceId, p: peer });
      return deleted === 1;
    } catch (err) {
      this.#logError(err);
      return false;
    }
  }

  /**
   * Writes back this instance's entries of `peers` (peer, claimHash) where the roster has none
   * (HSETNX: never over another instance's claim); returns how many were written.
   */
  async reclaim(room: RoomId, peers: readonly (readonly [PeerId, string])[]): Promise<number> {
    try {
      const pipeline = this.#pub.pipeline();
      for (const [peer, claimHash] of peers) {
        pipeline.hsetnx(this.#rosterKey(room), peer, `${this.#o.instanceId} ${claimHash}`);
      }
      const results = (await pipeline.exec()) ?? [];
      return results.filter(([err, n]) => !err && n === 1).length;
    } catch (err) {
      this.#logError(err);
      return 0;
    }
  }

  /** Sends a relay to whichever instance holds `to` (which charges it to `address`, decision 0055). */
  relay(r: RemoteRelay): void {
    const { room, from, to, payload, atMs, address, frameBytes } = r;
    const envelope: Envelope = { k: 'r', i: this.#o.instanceId, f: from, to, pl: payload, at: atMs };
    if (address !== undefined) envelope.a = address;
    if (frameBytes !== undefined) envelope.b = frameBytes;
    this.#publish(room, envelope);
  }

  /** Stops listening to a room that has no local peer left. */
  roomEmpty(room: RoomId): void {
    if (!this.#subscribed.delete(room)) return;
    this.#sub.unsubscribe(this.#channel(room)).catch((err: unknown) => this.#logError(err));
  }

  /** Current roster (peer → instance id) of each room, straight from Redis. */
  async rosters(rooms: readonly RoomId[]): Promise<Map<RoomId, Map<PeerId, string>>> {
    const out = new Map<RoomId, Map<PeerId, string>>();
    if (rooms.length === 0) return out;
    const pipeline = this.#pub.pipeline();
    for (const room of rooms) pipeline.hgetall(this.#rosterKey(room));
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, hash], index) => {
      if (err || hash === null || typeof hash !== 'object') return;
      const members = new Map<PeerId, string>();
      for (const [peer, value] of Object.entries(hash as Record<string, string>)) {
        members.set(peer, value.split(' ')[0] as string);
      }
      out.set(rooms[index] as RoomId, members);
    });
    return out;
  }

  /** Which of `instanceIds` have a live liveness key. */
  async alive(instanceIds: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    if (instanceIds.length === 0) return live;
    const pipeline = this.#pub.pipeline();
    for (const id of instanceIds) pipeline.exists(`${this.#o.prefix}:i:${id}`);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, n], index) => {
      if (err || n === 1) live.add(instanceIds[index] as string);
    });
    return live;
  }

  /** Stops the heartbeat, deletes the liveness key and disconnects. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#pub.del(`${this.#o.prefix}:i:${this.#o.instanceId}`);
      await Promise.all([this.#pub.quit(), this.#sub.quit()]);
    } catch (err) {
      this.#logError(err);
      this.#pub.disconnect();
      this.#sub.disconnect();
    }
  }

  /** Drops both connections without cleaning up (simulates a crash in tests). */
  disconnect(): void {
    clearInterval(this.#timer);
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  async #heartbeat(): Promise<void> {
    await this.#pub.set(`${this.#o.prefix}:i:${this.#o.instanceId}`, '1', 'PX', this.#o.instanceTtlMs);
  }

  #publish(room: RoomId, envelope: Envelope): void {
    this.#pub
      .publish(this.#channel(room), JSON.stringify(envelope))
      .catch((err: unknown) => this.#logError(err));
  }

  #onMessage(channel: string, text: string): void {
    const room = channel.slice(this.#o.prefix.length + 3);
    let e: Envelope | undefined;
    try {
      e = asEnvelope(JSON.parse(text));
    } catch (err) {
      this.#logError(err);
      return;
    }
    if (e === undefined) {
      this.#logError(new Error(`malformed scale-out envelope on ${channel}`));
      return;
    }
    if (e.i === this.#o.instanceId) return;
    const h = this.#o.handlers;
    if (e.k === 'j' && e.p) h.onJoin(room, e.p, e.i, typeof e.s === 'string' ? e.s : undefined);
    else if (e.k === 'e' && e.p && typeof e.s === 'string' && isSessionEndKind(e.kd))
      h.onSessionEnded(room, e.p, e.s, e.kd, e.i);
    else if (e.k === 'l' && e.p) h.onLeave(room, e.p, e.i);
    else if (e.k === 'r' && e.f && e.to) h.onRelay(remoteRelay(room, e));
  }

  #channel(room: RoomId): string {
    return `${this.#o.prefix}:c:${room}`;
  }

  #rosterKey(room: RoomId): string {
    return `${this.#o.prefix}:r:${room}`;
  }

  #logError(err: unknown): void {
    const now = Date.now();
    if (now - this.#lastErrorLogMs < 1_000) return;
    this.#lastErrorLogMs = now;
    this.#o.log.warn({ err }, 'redis error');
  }
}
