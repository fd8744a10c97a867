/**
 * The pulsemesh link protocol on one RTCPeerConnection (`docs/protocol.md`, "Link protocol"): two
 * data channels, both negotiated out of band (`negotiated: true`) with fixed ids far above the ones
 * in-band channels get (each side numbers those upwards from 0 or 1), so they never collide with an
 * app's channels, need no `ondatachannel` routing and no renegotiation on a connection that already
 * has a data section:
 *
 * ```
 * reliable   id 1022, ordered, reliable          chunk frames (chunking.ts) of tag:u8 | body
 * heartbeat  id 1023, ordered: false, maxRetransmits: 0
 *            frame = seq:u32be | payload         payload = one detector message; empty = hello
 * ```
 *
 * A negotiated channel opens as soon as the SCTP association is up, whether or not the far side
 * created its twin: so the link only counts as monitored once a frame from the far side arrived.
 * Until then this side says hello (a 4-byte heartbeat frame) on a backoff; a side that hears a hello
 * answers it once (at most once a second). A far side that never answers is `unmonitored`: it runs
 * no pulsemesh, and the detector never hears of it (so it is never `failed`).
 */
import { chunkBytesMax, chunkMessage, Reassembler } from './chunking.js';
import { SequenceLoss } from './sequence-loss.js';

/** Data channel ids of the link protocol (both negotiated out of band). */
export const linkChannelIds = { reliable: 1022, heartbeat: 1023 } as const;
/** Channel labels (informative; negotiated channels are matched by id). */
export const linkChannelLabels = {
  reliable: 'pulsemesh-reliable',
  heartbeat: 'pulsemesh-heartbeat',
} as const;
/** Heartbeat frame header: `seq:u32be`. */
export const heartbeatHeaderBytes = 4;
/** Hello schedule while the far side is silent: 250 ms doubling to 8 s (ms). */
const helloDelaysMs = [250, 500, 1_000, 2_000, 4_000, 8_000];
/** A hello is answered at most this often (ms). */
const helloReplyGapMs = 1_000;
/** Drop heartbeats while this much is queued on the unreliable channel: they would be stale. */
const heartbeatBufferedBytesMax = 64 * 1024;
/** Refuse reliable sends while this much is queued (the far side is not reading). */
const reliableBufferedBytesMax = 4 * 1024 * 1024;

/** Where a {@link PulseChannels} stands. */
export const ChannelsState = {
  /** Channels created, SCTP not up yet. */
  connecting: 'connecting',
  /** Channels open, nothing heard from the far side yet (saying hello). */
  waiting: 'waiting',
  /** A frame from the far side arrived: the link protocol runs both ways. */
  open: 'open',
  closed: 'closed',
} as const;
export type ChannelsState = (typeof ChannelsState)[keyof typeof ChannelsState];

/** Callbacks of {@link PulseChannels}; all optional. */
export interface ChannelsHandlers {
  /** The far side answered: the link protocol runs (state `open`). */
  open?(): void;
  /** The channels are gone (called once). */
  close?(reason: string): void;
  /** A heartbeat-channel message (one detector message). */
  heartbeat?(bytes: Uint8Array): void;
  /** A whole reliable message (reassembled, still tagged); a returned error is counted. */
  reliable?(bytes: Uint8Array): string | void;
  /** An operating error that did not close the channels (counted). */
  error?(error: string): void;
}

/** Per-link counters. */
export interface LinkCounters {
  heartbeatsSent: number;
  heartbeatsReceived: number;
  heartbeatsDropped: number;
  hellosSent: number;
  reliableSent: number;
  reliableReceived: number;
  /** Payload bytes of both channels, framing included (without SCTP/DTLS overhead). */
  bytesSent: number;
  bytesReceived: number;
  errors: number;
  /** In-band data channels the far side opened beyond the one a link carries, closed (`Link`). */
  channelsRefused: number;
}

/** All-zero {@link LinkCounters}. */
export function newLinkCounters(): LinkCounters {
  return {
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    heartbeatsDropped: 0,
    hellosSent: 0,
    reliableSent: 0,
    reliableReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0,
    channelsRefused: 0,
  };
}

/** The two link-protocol channels on one RTCPeerConnection. Never throws on operating errors. */
export class PulseChannels {
  readonly counters: LinkCounters = newLinkCounters();
  readonly loss = new SequenceLoss();
  #pc: RTCPeerConnection;
  #reliable: RTCDataChannel;
  #heartbeat: RTCDataChannel;
  #handlers: ChannelsHandlers;
  #reassembler: Reassembler;
  #state: ChannelsState = ChannelsState.connecting;
  #seq = 0;
  #messageId = 0;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #hellos = 0;
  #lastHelloReplyMs = -Infinity;
  #openSinceMs: number | undefined;

  #helloAfterMs: number;

  /**
   * `helloAfterMs`: how long to listen, once open, before the first hello (default 0). A side that
   * re-creates its channels after the far side's stack reset them (see `attach.ts`) listens first,
   * so the two sides' hellos cannot keep hitting each other's missing channels.
   */
  constructor(
    pc: RTCPeerConnection,
    options: { reliableMessageBytesMax: number; helloAfterMs?: number; handlers: ChannelsHandlers },
  ) {
    this.#pc = pc;
    this.#helloAfterMs = options.helloAfterMs ?? 0;
    this.#handlers = options.handlers;
    this.#reassembler = new Reassembler(options.reliableMessageBytesMax);
    this.#reliable = pc.createDataChannel(linkChannelLabels.reliable, {
      negotiated: true,
      id: linkChannelIds.reliable,
    });
    this.#heartbeat = pc.createDataChannel(linkChannelLabels.heartbeat, {
      negotiated: true,
      id: linkChannelIds.heartbeat,
      ordered: false,
      maxRetransmits: 0,
    });
    // Labels are read from constants: the Node polyfill throws on `label` of a destroyed channel.
    for (const [channel, name] of [
      [this.#reliable, 'reliable'],
      [this.#heartbeat, 'heartbeat'],
    ] as const) {
      channel.binaryType = 'arraybuffer';
      channel.addEventListener('open', () => this.#maybeWaiting());
      channel.addEventListener('close', () => this.#finish(`${name} channel closed`));
      channel.addEventListener('error', () => this.#countError(`${name} channel error`));
    }
    this.#heartbeat.addEventListener('message', (e: MessageEvent) => this.#onHeartbeatFrame(e.data));
    this.#reliable.addEventListener('message', (e: MessageEvent) => this.#onReliableFrame(e.data));
    this.#maybeWaiting();
  }

  get state(): ChannelsState {
    return this.#state;
  }

  /** Both channels open but not a word from the far side for `ms`: it runs no pulsemesh (yet). */
  /** When both channels opened (performance.now() ms), if they did. */
  get openedAtMs(): number | undefined {
    return this.#openSinceMs;
  }

  /** Sends one detector message on the heartbeat channel; false if dropped (not open or congested). */
  sendHeartbeat(payload: Uint8Array): boolean {
    if (this.#state !== ChannelsState.open) return this.#dropHeartbeat();
    return this.#sendHeartbeatFrame(payload) || this.#dropHeartbeat();
  }

  /** Sends one (tagged) message on the reliable channel, chunked; false if it cannot take it now. */
  sendReliable(payload: Uint8Array): boolean {
    const channel = this.#reliable;
    if (this.#state !== ChannelsState.open || channel.readyState !== 'open') return false;
    if (channel.bufferedAmount > reliableBufferedBytesMax) return false;
    const frames = chunkMessage(this.#messageId, payload, this.#chunkBytes());
    this.#messageId = (this.#messageId + 1) >>> 0;
    try {
      for (const frame of frames) {
        channel.send(frame);
        this.counters.bytesSent += frame.length;
      }
    } catch (err) {
      this.#countError(`reliable send: ${String(err)}`);
      return false;
    }
    this.counters.reliableSent += 1;
    return true;
  }

  /** Bytes queued on both channels (`bufferedAmount`). */
  bufferedBytes(): number {
    return this.#heartbeat.bufferedAmount + this.#reliable.bufferedAmount;
  }

  /** Closes both channels (never the connection). Idempotent. */
  close(reason = 'local close'): void {
    this.#finish(reason);
  }

  #maybeWaiting(): void {
    if (this.#state !== ChannelsState.connecting) return;
    if (this.#reliable.readyState !== 'open' || this.#heartbeat.readyState !== 'open') return;
    this.#state = ChannelsState.waiting;
    this.#openSinceMs = performance.now();
    if (this.#helloAfterMs <= 0) return this.#sayHello();
    this.#helloTimer = setTimeout(() => this.#sayHello(), this.#helloAfterMs);
    (this.#helloTimer as { unref?: () => void }).unref?.();
  }

  #sayHello(): void {
    if (this.#state !== ChannelsState.waiting) return;
    if (this.#sendHeartbeatFrame(new Uint8Array(0))) this.counters.hellosSent += 1;
    const delay = helloDelaysMs[Math.min(this.#hellos, helloDelaysMs.length - 1)]!;
    this.#hellos += 1;
    this.#helloTimer = setTimeout(() => this.#sayHello(), delay);
    (this.#helloTimer as { unref?: () => void }).unref?.();
  }

  /** The far side spoke: the link protocol runs. */
  #heard(): void {
    if (this.#state !== ChannelsState.waiting && this.#state !== ChannelsState.connecting) return;
    clearTimeout(this.#helloTimer);
    this.#state = ChannelsState.open;
    this.#handlers.open?.();
  }

  #sendHeartbeatFrame(payload: Uint8Array): boolean {
    const channel = this.#heartbeat;
    if (channel.readyState !== 'open' || channel.bufferedAmount > heartbeatBufferedBytesMax) return false;
    const frame = new Uint8Array(heartbeatHeaderBytes + payload.length);
    const seq = this.#seq;
    frame[0] = seq >>> 24;
    frame[1] = seq >>> 16;
    frame[2] = seq >>> 8;
    frame[3] = seq;
    this.#seq = (seq + 1) >>> 0;
    frame.set(payload, heartbeatHeaderBytes);
    try {
      channel.send(frame);
    } catch (err) {
      this.#countError(`heartbeat send: ${String(err)}`);
      return false;
    }
    this.counters.heartbeatsSent += 1;
    this.counters.bytesSent += frame.length;
    return true;
  }

  #onHeartbeatFrame(data: unknown): void {
    if (this.#state === ChannelsState.closed) return;
    if (!(data instanceof ArrayBuffer) || data.byteLength < heartbeatHeaderBytes) {
      this.#countError('malformed heartbeat frame');
      return;
    }
    const frame = new Uint8Array(data);
    this.loss.record(((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!) >>> 0);
    this.counters.heartbeatsReceived += 1;
    this.counters.bytesReceived += data.byteLength;
    this.#heard();
    if (data.byteLength === heartbeatHeaderBytes) return this.#answerHello();
    this.#handlers.heartbeat?.(frame.subarray(heartbeatHeaderBytes));
  }

  #answerHello(): void {
    const now = performance.now();
    if (now - this.#lastHelloReplyMs < helloReplyGapMs) return;
    this.#lastHelloReplyMs = now;
    if (this.#sendHeartbeatFrame(new Uint8Array(0))) this.counters.hellosSent += 1;
  }

  #onReliableFrame(data: unknown): void {
    if (this.#state === ChannelsState.closed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.#countError('text frame on the reliable channel');
      return;
    }
    const frame = new Uint8Array(data);
    this.counters.bytesReceived += frame.length;
    this.#heard();
    const result = this.#reassembler.push(frame);
    if (result.kind === 'error') this.#countError(`reliable: ${result.error}`);
    if (result.kind !== 'message') return;
    this.counters.reliableReceived += 1;
    const refused = this.#handlers.reliable?.(result.payload);
    if (refused) this.#countError(`reliable: ${refused}`);
  }

  #chunkBytes(): number {
    const negotiated = this.#pc.sctp?.maxMessageSize;
    return Math.max(1024, Math.min(chunkBytesMax, negotiated && negotiated > 0 ? negotiated : chunkBytesMax));
  }

  #dropHeartbeat(): false {
    this.counters.heartbeatsDropped += 1;
    return false;
  }

  #countError(error: string): void {
    this.counters.errors += 1;
    this.#handlers.error?.(error);
  }

  #finish(reason: string): void {
    if (this.#state === ChannelsState.closed) return;
    this.#state = ChannelsState.closed;
    clearTimeout(this.#helloTimer);
    for (const channel of [this.#heartbeat, this.#reliable]) {
      try {
        channel.close();
      } catch (err) {
        this.#countError(`channel close: ${String(err)}`);
      }
    }
    this.#handlers.close?.(reason);
  }
}
