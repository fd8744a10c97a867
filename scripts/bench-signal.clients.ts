// Child process of bench-signal.ts: holds a slice of the client sockets (so client and server
// file descriptors live in different processes) and runs the relay load. Talks to the parent
// over IPC. Raw `ws` sockets speaking protocol v1 (no SignalClient timers: 5,000 of them are cheap).
import { performance } from 'node:perf_hooks';
import { WebSocket } from '../packages/signal-server/src/server/index.js';

interface Sock {
  ws: WebSocket;
  room: string;
  peer: string;
}
type Command =
  | { cmd: 'connect'; urls: string[]; count: number; roomSize: number; tag: string; batch: number }
  | { cmd: 'load'; pairs: number; durationMs: number; window: number }
  | { cmd: 'exit' };

const socks: Sock[] = [];
const send = (msg: unknown): void => void process.send?.(msg);

function open(url: string, room: string, peer: string): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'pulsemesh-signal.v1', { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ v: 1, t: 1, room, peer, claim: `claim-${peer}`.padEnd(16, '.') }));
    });
    const onRoster = (data: Buffer): void => {
      const msg = JSON.parse(String(data)) as { t: number; code?: string };
      if (msg.t === 6) {
        ws.off('message', onRoster);
        resolve({ ws, room, peer });
      } else if (msg.t === 10) reject(new Error(`join refused: ${msg.code}`));
    };
    ws.on('message', onRoster);
  });
}

async function connect(c: Extract<Command, { cmd: 'connect' }>): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < c.count; i += c.batch) {
    const batch = [];
    for (let j = i; j < Math.min(c.count, i + c.batch); j++) {
      batch.push(
        open(
          c.urls[j % c.urls.length] as string,
          `${c.tag}-r${Math.floor(j / c.roomSize)}`,
          `${c.tag}-p${j}`,
        ),
      );
    }
    socks.push(...(await Promise.all(batch)));
  }
  send({ ev: 'connected', count: socks.length, ms: performance.now() - started });
}

// Closed loop: pair k is sockets (2k, 2k+1) of the same room; each keeps `window` signals in
// flight towards the other and sends the next one when one arrives. One-way latency is measured in
// this process (sender and receiver share the clock).
async function load(c: Extract<Command, { cmd: 'load' }>): Promise<void> {
  const latenciesMs: number[] = [];
  let received = 0;
  let sent = 0;
  let running = true;
  const pairs = Math.min(c.pairs, Math.floor(socks.length / 2));
  const stops: (() => void)[] = [];
  for (let k = 0; k < pairs; k++) {
    const a = socks[2 * k] as Sock;
    const b = socks[2 * k + 1] as Sock;
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const fire = (): void => {
        if (!running) return;
        sent++;
        me.ws.send(
          `{"v":1,"t":3,"room":"${me.room}","to":"${other.peer}","payload":{"at":${performance.now()},"sdp":"candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host"}}`,
        );
      };
      const onMessage = (data: Buffer): void => {
        const text = String(data);
        const at = /"at":([0-9.]+)/.exec(text);
        if (!at) return;
        received++;
        if (latenciesMs.length < 200_000) latenciesMs.push(performance.now() - Number(at[1]));
        fire();
      };
      me.ws.on('message', onMessage);
      stops.push(() => me.ws.off('message', onMessage));
      for (let w = 0; w < c.window; w++) fire();
    }
  }
  const started = performance.now();
  await new Promise((r) => setTimeout(r, c.durationMs));
  running = false;
  const elapsedMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 200)); // let in-flight signals land
  for (const stop of stops) stop();
  send({ ev: 'loaded', sent, received, elapsedMs, latenciesMs });
}

process.on('message', (c: Command) => {
  if (c.cmd === 'connect') connect(c).catch((err: unknown) => send({ ev: 'error', message: String(err) }));
  else if (c.cmd === 'load') load(c).catch((err: unknown) => send({ ev: 'error', message: String(err) }));
  else {
    for (const s of socks) s.ws.terminate();
    process.exit(0);
  }
});
send({ ev: 'ready' });
