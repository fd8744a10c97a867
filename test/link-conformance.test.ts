// Conformance of docs/protocol.md ("Link protocol" + "Signaling protocol"): a minimal peer written
// from the document alone (classic simple-peer 9.11.1 on node-datachannel, `ws`, and the framing
// below; nothing from packages/webrtc) joins a room with a real pulsemesh peer (createMesh, default
// settings), is monitored `healthy`, then leaves gracefully and shows as `left`, never `failed`.
// Both roles: the minimal peer dials (its id sorts first) and is dialled.
import { WebSocket } from 'ws';
import SimplePeer from 'simple-peer';
import * as wrtc from 'webrtc-polyfill';
import { afterEach, describe, expect, it } from 'vitest';
import { createMesh, type Mesh, type MeshOptions } from '@pulsemesh/webrtc';
import { TestRoom, until } from '@pulsemesh/webrtc/testing';

/** The minimal peer: only what docs/protocol.md says. */
class MinimalPeer {
  readonly states: string[] = [];
  #ws: WebSocket;
  #peer: SimplePeer | undefined;
  #reliable: RTCDataChannel | undefined;
  #heartbeat: RTCDataChannel | undefined;
  #session = '';
  #seq = 0; // heartbeat frame counter (u32)
  #msgSeq = 0; // detector message counter (u16)
  #remote = '';
  acksSent = 0;

  constructor(
    url: string,
    readonly room: string,
    readonly id: string,
  ) {
    this.#ws = new WebSocket(url, 'pulsemesh-signal.v1');
    this.#ws.on('open', () => this.#send({ t: 1, room, peer: id, claim: 'minimal-peer-claim-0123' }));
    this.#ws.on('message', (data) => this.#onFrame(JSON.parse(String(data)) as Record<string, unknown>));
  }

  #send(frame: object): void {
    this.#ws.send(JSON.stringify({ v: 1, ...frame }));
  }

  #signal(payload: object): void {
    this.#send({ t: 3, room: this.room, to: this.#remote, payload });
  }

  #onFrame(f: Record<string, unknown>): void {
    // 6 roster / 7 peer-join: the first other peer is ours; the one whose id sorts first dials.
    const other =
      f['t'] === 6 ? (f['peers'] as string[])[0] : f['t'] === 7 ? (f['peer'] as string) : undefined;
    if (other !== undefined && !this.#peer) {
      this.#remote = other;
      if (this.id < other) this.#connect(true, 'minimal0session');
    }
    if (f['t'] === 9) {
      const p = f['payload'] as { t: string; s: string; d: { type: string }[] };
      if (p.t !== 'sdp') return;
      if (!this.#peer && p.d[0]?.type === 'offer') this.#connect(false, p.s);
      if (p.s === this.#session) for (const d of p.d) this.#peer!.signal(d as never);
    }
  }

  #connect(initiator: boolean, session: string): void {
    this.#session = session;
    const config = { iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration;
    const peer = new SimplePeer({ initiator, wrtc, config });
    this.#peer = peer;
    peer.on('signal', (d: unknown) => this.#signal({ v: 1, t: 'sdp', s: session, d: [d] }));
    peer.on('error', () => undefined);
    // Both channels negotiated, ids 1022 / 1023, created before the connection is up.
    const pc = peer._pc!;
    this.#reliable = pc.createDataChannel('pulsemesh-reliable', { negotiated: true, id: 1022 });
    const hb = pc.createDataChannel('pulsemesh-heartbeat', {
      negotiated: true,
      id: 1023,
      ordered: false,
      maxRetransmits: 0,
    });
    hb.binaryType = 'arraybuffer';
    hb.addEventListener('open', () => this.#heartbeatFrame(new Uint8Array(0))); // hello
    hb.addEventListener('message', (e: MessageEvent) =>
      this.#onHeartbeat(new Uint8Array(e.data as ArrayBuffer)),
    );
    this.#heartbeat = hb;
  }

  #heartbeatFrame(payload: Uint8Array): void {
    const frame = new Uint8Array(4 + payload.length);
    new DataView(frame.buffer).setUint32(0, this.#seq++);
    frame.set(payload, 4);
    this.#heartbeat!.send(frame);
  }

  #onHeartbeat(frame: Uint8Array): void {
    const msg = frame.subarray(4);
    if (msg.length === 0) return this.#heartbeatFrame(new Uint8Array(0)); // answer a hello
    // header = version:u8 type:u8 flags:u8 seq:u16be; a ping (type 1) is answered by an ack (type 2).
    if (msg[0] !== 1 || msg[1] !== 1) return;
    const seq = this.#msgSeq++ & 0xffff;
    this.#heartbeatFrame(new Uint8Array([1, 2, 0, seq >> 8, seq & 0xff, msg[3]!, msg[4]!]));
    this.acksSent += 1;
  }

  /** Graceful leave: `leave` (type 5, incarnation 0) on both channels, then close. */
  async leave(): Promise<void> {
    const seq = this.#msgSeq++ & 0xffff;
    const leave = new Uint8Array([1, 5, 0, seq >> 8, seq & 0xff, 0]);
    this.#heartbeatFrame(leave);
    // reliable: chunk = kind 1 | messageId u32 | index u16 | count u16 | (tag 0 | message)
    this.#reliable!.send(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, ...leave]));
    await new Promise((r) => setTimeout(r, 200));
    this.close();
  }

  close(): void {
    this.#peer?.destroy();
    this.#ws.close();
  }
}

let room: TestRoom | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await room?.close();
  room = undefined;
});

function realPeer(r: TestRoom, peerId: string): Mesh {
  const mesh = createMesh({
    signalUrl: r.url,
    room: r.room,
    peerId,
    bindAddress: '127.0.0.1',
    WebSocket: WebSocket as unknown as NonNullable<MeshOptions['WebSocket']>,
  });
  cleanups.push(() => mesh.close());
  return mesh;
}

describe('link protocol conformance (a peer written from docs/protocol.md)', () => {
  for (const [minimalId, realId, role] of [
    ['a-minimal', 'z-real', 'dials'],
    ['z-minimal', 'a-real', 'is dialled'],
  ] as const) {
    it(`the minimal peer ${role}: healthy, then left on a graceful leave`, async () => {
      // The minimal peer, like the document's minimum, dials once and never redials; on a loaded
      // machine node-datachannel's first connection sometimes never comes up (seen in CI at load
      // ~20). That is the setup, not the protocol under test: set the pair up again in a fresh
      // room, at most 3 times; every assertion below applies to the pair that came up.
      let real: Mesh | undefined;
      let minimal: MinimalPeer | undefined;
      const states: string[] = [];
      const stateOf = () => real?.peers().find((p) => p.id === minimalId)?.state;
      for (let attempt = 1; ; attempt++) {
        room = await TestRoom.start('conformance');
        const r = realPeer(room, realId);
        const m = new MinimalPeer(room.url, room.room, minimalId);
        cleanups.push(() => m.close());
        states.length = 0;
        r.addEventListener('status-change', (e) => {
          const d = (e as CustomEvent<{ peer: string; to: string }>).detail;
          if (d.peer === minimalId) states.push(d.to);
        });
        [real, minimal] = [r, m];
        try {
          await until(() => stateOf() === 'healthy' && m.acksSent >= 3, 20_000, 'minimal peer healthy');
          break;
        } catch (err) {
          if (attempt === 3) throw err;
          console.warn(`conformance: attempt ${attempt} never came up (${String(err)}); again`);
          for (const c of cleanups.splice(0)) c();
          await room.close();
          room = undefined;
        }
      }
      await new Promise((r) => setTimeout(r, 3_000)); // several probe periods
      expect(stateOf()).toBe('healthy');
      await minimal!.leave();
      await until(() => stateOf() === 'left', 15_000, 'minimal peer left');
      expect(states).not.toContain('failed');
      expect(states).not.toContain('suspect');
    }, 100_000);
  }
});
