/**
 * Isomorphic signaling client (browser and Node): one room, one peer id, reconnecting.
 * It never imports `ws`; Node callers pass `ws`'s `WebSocket` class as the `WebSocket` option.
 */
import { backoffDelayMs } from './backoff.js';
import { ConnectionState } from './client-events.js';
import type { SignalClientEventMap } from './client-events.js';
import { encode, parseServerMessage } from './codec.js';
import { isCanonicalPeerId } from './schema.js';
import { joinProofBytes, toBase64Url, type KeyProofSigner } from './join-proof.js';
import {
  CloseCode,
  ErrorCode,
  FATAL_JOIN_ERRORS,
  FieldLimits,
  MessageType,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
} from './protocol.js';
import type { ClientMessage, PeerId, RoomId, ServerMessage } from './protocol.js';

/** The part of a WebSocket instance the client uses (browser `WebSocket` and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: (ev: unknown) => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

/** A WebSocket constructor (the browser's global or `ws`'s `WebSocket`). */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Listener options (the DOM's `AddEventListenerOptions`, spelled out so Node-only code type-checks). */
export type ListenerOptions =
  boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };
/** Untyped listener (the DOM's `EventListenerOrEventListenerObject`). */
export type AnyListener = ((ev: Event) => void) | { handleEvent(ev: Event): void } | null;

/** Options of `SignalClient`. */
export interface SignalClientOptions {
  /**
   * Server URL (`ws://` or `wss://`), or a list of them: each reconnect attempt tries the next one,
   * so clients of a dead instance move to a live one.
   */
  url: string | readonly string[];
  room: RoomId;
  peerId: PeerId;
  /** Join token (JWT HS256 naming the room) when the server requires one. */
  token?: string;
  /**
   * The key of a key-derived `peerId`: the client asks the server for a nonce and signs it into
   * its join, proving it holds the id's key (decision 0012). Required by the server for ids of
   * that shape (`needsKeyProof`); unused for plain ids.
   */
  keyProof?: KeyProofSigner;
  /** WebSocket implementation. Default `globalThis.WebSocket`; in Node pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructorLike;
  /** Smallest reconnect backoff, ms. Default 250. See `backoffDelayMs`. */
  backoffMsMin?: number;
  /** Largest reconnect backoff, ms. Default 10,000. */
  backoffMsMax?: number;
  /** Random source in [0, 1) for jitter and the claim secret. Default `Math.random`. */
  random?: () => number;
  /** Interval between application-level pings while connected, ms. Default 10,000. */
  pingIntervalMs?: number;
  /** A ping unanswered for this long declares the connection dead, ms. Default 5,000. */
  pingTimeoutMs?: number;
}

const OPEN = 1;
const CLAIM_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function drawClaim(random: () => number): string {
  const bytes = new Uint8Array(32);
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  if (webCrypto?.getRandomValues) webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  let claim = '';
  for (const b of bytes) claim += CLAIM_CHARS[b % CLAIM_CHARS.length];
  return claim;
}

/**
 * Joins one room on a signaling server and relays WebRTC signals to and from its peers.
 * Reconnects with jittered exponential backoff and re-joins; pings to detect dead connections.
 * Losing the server never touches peer connections already established.
 *
 * @fires state - `{ state }` on every connection state change.
 * @fires roster - `{ peers, iceServers? }` (peers excluding self) on every (re)join.
 * @fires peer-join - `{ peer }`.
 * @fires peer-leave - `{ peer }`.
 * @fires session-ended - `{ peer, session, kind }` (decision 0013).
 * @fires signal - `{ from, payload }`.
 * @fires error - `{ code, message, room? }`, a typed error from the server.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed listeners (below)
export class SignalClient extends EventTarget {
  readonly room: RoomId;
  readonly peerId: PeerId;
  readonly #urls: readonly string[];
  readonly #token: string | undefined;
  readonly #WebSocket: WebSocketConstructorLike;
  readonly #backoffMsMin: number;
  readonly #backoffMsMax: number;
  readonly #random: () => number;
  readonly #pingIntervalMs: number;
  readonly #pingTimeoutMs: number;
  /** Secret that proves this client owns its peer id when it re-joins after a reconnect. */
  readonly #claim: string;
  readonly #keyProof: KeyProofSigner | undefined;
  /** The latest session of each peer announced by `peer-join` (bounded by the roster limit). */
  readonly #sessions = new Map<PeerId, string>();
  #state: ConnectionState = ConnectionState.offline;
  #ws: WebSocketLike | undefined;
  #urlIndex = 0;
  #attempt = 0;
  #stopped = true;
  #everConnected = false;
  #pingSeq = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SignalClientOptions) {
    super();
    const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (urls.length === 0) throw new TypeError('SignalClient: url list is empty');
    const Ws = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
    if (!Ws) throw new TypeError('SignalClient: no WebSocket implementation (pass options.WebSocket)');
    this.#urls = urls;
    this.room = options.room;
    if (!isCanonicalPeerId(options.peerId))
      throw new RangeError(`SignalClient: peer id ${JSON.stringify(options.peerId)} is not canonical ASCII`);
    this.peerId = options.peerId;
    this.#token = options.token;
    this.#keyProof = options.keyProof;
    this.#WebSocket = Ws as WebSocketConstructorLike;
    this.#backoffMsMin = options.backoffMsMin ?? 250;
    this.#backoffMsMax = options.backoffMsMax ?? 10_000;
    this.#random = options.random ?? Math.random;
    this.#pingIntervalMs = options.pingIntervalMs ?? 10_000;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.#claim = drawClaim(this.#random);
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Starts connecting (idempotent while running). */
  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#setState(this.#everConnected ? ConnectionState.reconnecting : ConnectionState.connecting);
    this.#open();
  }

  /**
   * Sends `payload` (JSON-serialisable) to peer `to` of the room. Returns false, without sending,
   * when not connected: signals are not queued across reconnects.
   */
  signal(to: PeerId, payload: unknown): boolean {
    if (this.#state !== ConnectionState.connected) return false;
    return this.#send({ v: PROTOCOL_VERSION, t: MessageType.signal, room: this.room, to, payload });
  }

  /** Leaves the room, closes the socket and stops reconnecting. */
  /**
   * Drops the socket the way a dying process does: no `leave`, no reconnect (the server reports
   * `closed-by-peer`). For fault injection (the demo's Crash control, tests); `close()` is the
   * graceful way out.
   */
  abort(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    this.#stopPing();
    ws?.close(CloseCode.normal, 'client aborted');
    this.#setState(ConnectionState.offline);
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    this.#stopPing();
    if (ws) {
      if (ws.readyState === OPEN)
        this.#sendOn(ws, { v: PROTOCOL_VERSION, t: MessageType.leave, room: this.room });
      ws.close(CloseCode.normal, 'client closed');
    }
    this.#setState(ConnectionState.offline);
  }

  #open(): void {
    const url = this.#urls[this.#urlIndex % this.#urls.length] as string;
    this.#urlIndex++;
    const ws = new this.#WebSocket(url, SUBPROTOCOL);
    this.#ws = ws;
    ws.addEventListener('open', () => {
      if (ws !== this.#ws) return;
      // With a key, the join waits for the server's nonce (the `challenge` case of #handle).
      if (this.#keyProof) this.#sendOn(ws, { v: PROTOCOL_VERSION, t: MessageType.challenge });
      else this.#sendJoin(ws, undefined);
      this.#startPing(ws);
    });
    ws.addEventListener('message', (ev) => {
      if (ws !== this.#ws) return;
      clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
      if (typeof ev.data !== 'string') return;
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) {
        this.#emit('error', { code: parsed.error.code, message: `from server: ${parsed.error.message}` });
        return;
      }
      this.#handle(ws, parsed.message);
    });
    ws.addEventListener('close', () => this.#lost(ws));
    ws.addEventListener('error', () => {
      // A 'close' event always follows; reconnecting happens there.
    });
  }

  #sendJoin(ws: WebSocketLike, nonce: string | undefined): void {
    const signer = this.#keyProof;
    const proof =
      signer && nonce !== undefined
        ? {
            key: toBase64Url(signer.publicKey),
            proof: toBase64Url(signer.sign(joinProofBytes(nonce, this.room, this.peerId))),
          }
        : {};
    this.#sendOn(ws, {
      v: PROTOCOL_VERSION,
      t: MessageType.join,
      room: this.room,
      peer: this.peerId,
      claim: this.#claim,
      ...(this.#token === undefined ? {} : { token: this.#token }),
      ...proof,
    });
  }

  #handle(ws: WebSocketLike, msg: ServerMessage): void {
    switch (msg.t) {
      case MessageType.challenge:
        if (this.#keyProof) this.#sendJoin(ws, msg.nonce);
        return;
      case MessageType.ping:
        this.#sendOn(ws, { v: PROTOCOL_VERSION, t: MessageType.pong, n: msg.n });
        return;
      case MessageType.pong:
        return;
      case MessageType.error:
        this.#emit('error', {
          code: msg.code,
          message: msg.message,
          ...(msg.room ? { room: msg.room } : {}),
        });
        if (msg.room === this.room && (FATAL_JOIN_ERRORS.has(msg.code) || msg.code === ErrorCode.replaced)) {
          this.close();
        } else if (msg.room === this.room && msg.code === ErrorCode.unavailable) {
          // The server could not admit us right now (e.g. Redis down): retry with backoff.
          ws.close(CloseCode.normal, 'retrying');
          this.#lost(ws);
        }
        return;
    }
    if (msg.room !== this.room) return;
    switch (msg.t) {
      case MessageType.roster:
        this.#attempt = 0;
        this.#everConnected = true;
        this.#setState(ConnectionState.connected);
        this.#emit('roster', {
          peers: msg.peers.filter((p) => p !== this.peerId),
          ...(msg.iceServers ? { iceServers: msg.iceServers } : {}),
        });
        return;
      case MessageType.peerJoin:
        if (msg.peer === this.peerId) return;
        if (msg.session !== undefined) {
          if (this.#sessions.size >= FieldLimits.rosterPeersMax) this.#sessions.clear();
          this.#sessions.set(msg.peer, msg.session);
        }
        this.#emit('peer-join', { peer: msg.peer });
        return;
      case MessageType.sessionEnded: {
        if (msg.peer === this.peerId) return;
        // A stale end (the peer rejoined with a new session first) is not about the live one.
        const current = this.#sessions.get(msg.peer);
        if (current !== undefined && current !== msg.session) return;
        this.#sessions.delete(msg.peer);
        this.#emit('session-ended', { peer: msg.peer, session: msg.session, kind: msg.kind });
        return;
      }
      case MessageType.peerLeave:
        if (msg.peer !== this.peerId) this.#emit('peer-leave', { peer: msg.peer });
        return;
      case MessageType.relay:
        this.#emit('signal', { from: msg.from, payload: msg.payload });
        return;
    }
  }

  #lost(ws: WebSocketLike): void {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    this.#stopPing();
    if (this.#stopped) return;
    this.#setState(this.#everConnected ? ConnectionState.reconnecting : ConnectionState.connecting);
    const delayMs = backoffDelayMs(this.#attempt++, this.#backoffMsMin, this.#backoffMsMax, this.#random);
    this.#reconnectTimer = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, delayMs);
  }

  #startPing(ws: WebSocketLike): void {
    this.#stopPing();
    this.#pingTimer = setInterval(() => {
      // Keep the first unanswered ping's deadline (pingTimeoutMs may exceed pingIntervalMs).
      if (ws !== this.#ws || this.#pongTimer !== undefined) return;
      this.#sendOn(ws, { v: PROTOCOL_VERSION, t: MessageType.ping, n: this.#pingSeq++ });
      this.#pongTimer = setTimeout(() => {
        // No frame at all for pingTimeoutMs after a ping: the connection is dead (half-open).
        if (ws !== this.#ws) return;
        ws.close(CloseCode.pingTimeout, 'ping timeout');
        this.#lost(ws);
      }, this.#pingTimeoutMs);
    }, this.#pingIntervalMs);
  }

  #stopPing(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #send(msg: ClientMessage): boolean {
    const ws = this.#ws;
    return ws ? this.#sendOn(ws, msg) : false;
  }

  #sendOn(ws: WebSocketLike, msg: ClientMessage): boolean {
    if (ws.readyState !== OPEN) return false;
    ws.send(encode(msg));
    return true;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('state', { state });
  }

  #emit<K extends keyof SignalClientEventMap>(type: K, detail: SignalClientEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** Typed `addEventListener` / `removeEventListener` for `SignalClient`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- only adds overloads
export interface SignalClient {
  addEventListener<K extends keyof SignalClientEventMap>(
    type: K,
    listener: (ev: SignalClientEventMap[K]) => void,
    options?: ListenerOptions,
  ): void;
  addEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void;
  removeEventListener<K extends keyof SignalClientEventMap>(
    type: K,
    listener: (ev: SignalClientEventMap[K]) => void,
    options?: ListenerOptions,
  ): void;
  removeEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void;
}
