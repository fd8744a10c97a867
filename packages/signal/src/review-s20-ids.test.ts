// Session-20 review of decision 0052 (core refuses non-canonical ids at decode) from the API side:
// the ids core takes without the wire check (`linkUp`, `admit`, `witness`, the roster) come from
// the signaling client's events (`roster`, `peer-join`, `session-ended`, `peer-leave`, `signal`:
// wired to admit, witness and the connection manager by webrtc's meshes). Can a hostile server or
// a frame the server passes on put a look-alike id into one of those events? A scripted socket
// plays the server. A held property is an `it`; a hole would be an `it.fails`.
// Run: pnpm exec vitest run packages/signal/src/review-s20-ids.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import { SignalClient, type WebSocketLike } from './client.js';
import { ErrorCode, MessageType } from './protocol.js';

type Listener = (ev: { data: unknown }) => void;

/** A socket the test drives as the server. */
class ScriptedSocket implements WebSocketLike {
  static last: ScriptedSocket | undefined;
  readyState = 0;
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, Listener[]>();

  constructor() {
    ScriptedSocket.last = this;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  emit(type: string, ev: { data: unknown } = { data: undefined }): void {
    for (const l of this.#listeners.get(type) ?? []) l(ev);
  }
  frame(f: Record<string, unknown>): void {
    this.emit('message', { data: JSON.stringify({ v: 1, room: 'room', ...f }) });
  }
}

const clients: SignalClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A client joined to 'room' (the scripted server sent its roster), and every event it fired. */
function joinedClient(): { socket: ScriptedSocket; events: string[] } {
  const client = new SignalClient({
    url: 'ws://scripted',
    room: 'room',
    peerId: 'victim',
    WebSocket: ScriptedSocket,
    pingIntervalMs: 60_000,
  });
  clients.push(client);
  const events: string[] = [];
  for (const type of ['roster', 'peer-join', 'session-ended', 'peer-leave', 'signal'] as const)
    client.addEventListener(type, (e) => events.push(`${type}:${JSON.stringify(e.detail)}`));
  client.addEventListener('error', (e) => events.push(`error:${e.detail.code}`));
  client.connect();
  const socket = ScriptedSocket.last!;
  socket.readyState = 1;
  socket.emit('open');
  socket.frame({ t: MessageType.roster, peers: ['honest'] });
  expect(client.state).toBe('connected');
  events.length = 0;
  return { socket, events };
}

/** Look-alikes of 'honest' (other script, zero-width, bidi override, upper case) and a control character. */
const lookAlikes = ['\u04bbonest', 'hon\u200best', '\u202etsenoh', 'Honest', 'hon\u0000est'];

describe('non-canonical ids from the signaling server never reach the mesh (admit, witness, links)', () => {
  const frames: [string, (id: string) => Record<string, unknown>][] = [
    ['roster', (id) => ({ t: MessageType.roster, peers: ['honest', id] })],
    ['peer-join', (id) => ({ t: MessageType.peerJoin, peer: id, session: 's1' })],
    [
      'session-ended',
      (id) => ({ t: MessageType.sessionEnded, peer: id, session: 's1', kind: 'closed-by-peer' }),
    ],
    ['peer-leave', (id) => ({ t: MessageType.peerLeave, peer: id })],
    ['relay', (id) => ({ t: MessageType.relay, from: id, payload: { t: 'sdp' } })],
  ];
  for (const [what, frame] of frames)
    it(`a ${what} naming a look-alike fires no event, only a typed error (invalid-peer-id)`, () => {
      const { socket, events } = joinedClient();
      for (const id of lookAlikes) socket.frame(frame(id));
      expect(events).toEqual(lookAlikes.map(() => `error:${ErrorCode.invalidPeerId}`));
      // The same frame with the real id still works: the refusal is about the id, not the frame.
      socket.frame(frame('carol'));
      expect(events).toHaveLength(lookAlikes.length + 1);
      expect(events.at(-1)).toMatch(/^(roster|peer-join|session-ended|peer-leave|signal):/);
    });
});
