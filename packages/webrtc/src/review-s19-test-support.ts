// Test support for the session-19 input review (review-input-s19*.test.ts): two real
// node-datachannel connections made in this process (an app's own RTCPeerConnections, the attach
// path's input), and a raw room member that speaks the link protocol's framing by hand on the far
// end, so a test can send any frame a hostile member could: short, oversized, text, out of
// sequence, a flood. Run through netns.sh.
import * as wrtc from 'webrtc-polyfill';
import { encode, MessageType, type Message, type PeerId, type Update } from '@pulsemesh/core';
import { linkChannelIds } from './pulse-channels.js';
import { until } from './test-helpers.js';

const config = { iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration;
const open: RTCPeerConnection[] = [];

/**
 * Two RTCPeerConnections connected on loopback, each with an app channel (a data section). Retries
 * libdatachannel's known race ("Got a remote candidate without ICE transport" applying a remote
 * description, ~1 in 50 on a loaded machine; see `link.test.ts`) and that error only.
 */
export async function connectedPair(attempts = 3): Promise<[RTCPeerConnection, RTCPeerConnection]> {
  for (let attempt = 1; ; attempt++) {
    const before = open.length;
    try {
      return await connectedPairOnce();
    } catch (err) {
      const knownRace = String(err).includes('remote candidate without ICE transport');
      if (!knownRace || attempt >= attempts) throw err;
      console.warn(`connectedPair attempt ${attempt} hit the libdatachannel ICE race; retrying`);
      for (const pc of open.splice(before)) pc.close();
    }
  }
}

async function connectedPairOnce(): Promise<[RTCPeerConnection, RTCPeerConnection]> {
  const a = new wrtc.RTCPeerConnection(config) as RTCPeerConnection;
  const b = new wrtc.RTCPeerConnection(config) as RTCPeerConnection;
  open.push(a, b);
  a.createDataChannel('app');
  await a.setLocalDescription(await a.createOffer());
  await until(() => a.iceGatheringState === 'complete', 5_000, 'offer candidates');
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await until(() => b.iceGatheringState === 'complete', 5_000, 'answer candidates');
  await a.setRemoteDescription(b.localDescription!);
  await until(
    () => a.connectionState === 'connected' && b.connectionState === 'connected',
    10_000,
    'the app connection up',
  );
  return [a, b];
}

/** Closes every connection `connectedPair` made. */
export function closePairs(): void {
  for (const pc of open.splice(0)) pc.close();
}

/**
 * A room member that writes the link protocol by hand on its own connection: the two negotiated
 * channels (1022 reliable, 1023 heartbeat) and nothing else of pulsemesh.
 */
export class RawMember {
  readonly reliable: RTCDataChannel;
  readonly heartbeat: RTCDataChannel;
  /** Detector messages (heartbeat payloads, hellos left out) received. */
  readonly received: Uint8Array[] = [];
  /** Answer every ping with an ack, as the peer whose id this member holds would. */
  answerPings = false;
  #seq = 0;
  #msgSeq = 0;

  constructor(pc: RTCPeerConnection) {
    this.reliable = pc.createDataChannel('r', { negotiated: true, id: linkChannelIds.reliable });
    this.heartbeat = pc.createDataChannel('h', {
      negotiated: true,
      id: linkChannelIds.heartbeat,
      ordered: false,
      maxRetransmits: 0,
    });
    for (const c of [this.reliable, this.heartbeat]) c.binaryType = 'arraybuffer';
    this.heartbeat.addEventListener('message', (e: MessageEvent) => {
      const frame = new Uint8Array(e.data as ArrayBuffer);
      if (frame.length <= 4) return;
      const msg = frame.slice(4);
      this.received.push(msg);
      if (this.answerPings && msg[1] === MessageType.ping)
        this.message(MessageType.ack, { ackSeq: (msg[3]! << 8) | msg[4]! } as Partial<Message>);
    });
  }

  async opened(): Promise<void> {
    await until(
      () => this.reliable.readyState === 'open' && this.heartbeat.readyState === 'open',
      5_000,
      'raw channels open',
    );
  }

  /** One heartbeat frame: `seq:u32be | payload` (an empty payload is a hello). */
  frame(payload: Uint8Array): void {
    const frame = new Uint8Array(4 + payload.length);
    new DataView(frame.buffer).setUint32(0, this.#seq++ >>> 0);
    frame.set(payload, 4);
    this.heartbeat.send(frame);
  }

  /** One detector message on the heartbeat channel. */
  message(type: Message['type'], fields: Partial<Message> = {}): void {
    this.frame(detectorMessage(type, this.#msgSeq++ & 0xffff, fields));
  }

  /** Bytes as they are, on the reliable channel (a chunk frame or not). */
  rawReliable(bytes: Uint8Array<ArrayBuffer>): void {
    this.reliable.send(bytes);
  }
}

/** Chunk frame bytes: `kind:u8 | messageId:u32 | index:u16 | count:u16 | body`. */
export function chunk(
  messageId: number,
  index: number,
  count: number,
  body: Uint8Array,
  kind = 1,
): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(9 + body.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, kind);
  view.setUint32(1, messageId >>> 0);
  view.setUint16(5, index);
  view.setUint16(7, count);
  frame.set(body, 9);
  return frame;
}

/** An encoded detector message (a copy: `encode` reuses its buffer). */
export function detectorMessage(
  type: Message['type'],
  seq: number,
  fields: Partial<Message> = {},
): Uint8Array {
  const base = { type, seq, updates: [] as Update[], extensions: [] };
  const extra =
    type === MessageType.ack
      ? { ackSeq: 0, relayed: false, vitals: undefined }
      : type === MessageType.nack
        ? { ackSeq: 0 }
        : type === MessageType.leave
          ? { incarnation: 0 }
          : {};
  return encode({ ...base, ...extra, ...fields } as Message).slice();
}

/** An update about `peer` (unsigned, as a member of a room without identities sends them). */
export function update(kind: Update['kind'], peer: PeerId, incarnation: number, from?: PeerId): Update {
  return { kind, peer, incarnation, from };
}
