// Signaling benchmark: sockets held, relay throughput, relay latency under load, memory per socket.
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-signal.ts [--quick] [--redis]
// The server runs in this process; clients run in child processes (bench-signal.clients.ts), at
// most 5,000 sockets each, because `ulimit -n` is 20,000 here: 10k server + 10k client fds would
// not fit in one process. Writes bench-results/signal.json and prints a table. With --redis: two
// instances over a real redis-server, every load pair spans both (bench-results/signal-redis.json).
import { fork } from 'node:child_process';
import { provenance } from './bench-provenance.js';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import { startRedis } from '../packages/signal-server/src/redis-support.js';

const quick = process.argv.includes('--quick');
/** `--redis`: two instances sharing rooms over a real redis-server; every load pair spans both. */
const withRedis = process.argv.includes('--redis');
const measured = provenance(
  `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-signal.ts${quick ? ' --quick' : ''}${withRedis ? ' --redis' : ''}`,
);
const socketsTarget = Number(process.env['BENCH_SOCKETS'] ?? (quick ? 1_000 : 10_000));
const perChild = 5_000;
const roomSize = 10;
const loadPairsPerChild = quick ? 100 : 250;
const window = 1;
const durationMs = quick ? 2_000 : 8_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

interface ChildMsg {
  ev: string;
  [key: string]: unknown;
}
function spawnChild(): Promise<{
  child: ChildProcess;
  request: (cmd: object, ev: string) => Promise<ChildMsg>;
}> {
  const child = fork(fileURLToPath(new URL('./bench-signal.clients.ts', import.meta.url)), [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    serialization: 'advanced',
  });
  const request = (cmd: object, ev: string): Promise<ChildMsg> =>
    new Promise((resolve, reject) => {
      const onMessage = (msg: ChildMsg): void => {
        if (msg.ev === 'error') reject(new Error(String(msg['message'])));
        else if (msg.ev === ev) resolve(msg);
        else return;
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.send(cmd);
    });
  return new Promise((resolve) => child.once('message', () => resolve({ child, request })));
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

const redis = withRedis ? await startRedis() : undefined;
const servers = Array.from({ length: withRedis ? 2 : 1 }, () =>
  createSignalServer({
    logLevel: 'silent',
    socketsMax: 25_000,
    socketsPerIpMax: 25_000,
    messagesPerSecondMax: 100_000,
    relayBytesPerSecondMax: 1 << 30, // pairs here relay ~0.5 MB/s each, far past the per-pair default
    joinsPerIpPerSecondMax: 1 << 30, // every socket joins from loopback
    peersPerRoomMax: roomSize,
    idleTimeoutMs: 600_000,
    ...(redis ? { redis: redis.url, redisPrefix: 'bench' } : {}),
  }),
);
const urls = await Promise.all(servers.map(async (s) => (await s.listen(0)).url));
const heldSockets = (): number => servers.reduce((n, s) => n + s.stats().sockets, 0);
async function relayedTotal(): Promise<number> {
  let total = 0;
  for (const s of servers) {
    const metric = await s.metrics.getSingleMetric('pulsemesh_signal_relayed_total')?.get();
    for (const v of metric?.values ?? []) total += v.value;
  }
  return total;
}
const childCount = Math.ceil(socketsTarget / perChild);
const children = await Promise.all(Array.from({ length: childCount }, () => spawnChild()));
const before = memory();

const connectStarted = performance.now();
const connected = await Promise.all(
  children.map(({ request }, i) =>
    request(
      {
        cmd: 'connect',
        urls,
        count: Math.min(perChild, socketsTarget - i * perChild),
        roomSize,
        tag: `c${i}`,
        batch: 250,
      },
      'connected',
    ),
  ),
);
const connectMs = performance.now() - connectStarted;
const held = heldSockets();
const after = memory();

const relayedBefore = await relayedTotal();
const loads = await Promise.all(
  children.map(({ request }) =>
    request({ cmd: 'load', pairs: loadPairsPerChild, durationMs, window }, 'loaded'),
  ),
);
const relayedAfter = await relayedTotal();
// Light load for reference: 10 pairs, one signal in flight each, in the first client process.
const light = await children[0]!.request({ cmd: 'load', pairs: 10, durationMs: 1_000, window: 1 }, 'loaded');
const lightLatencies = (light['latenciesMs'] as number[]).sort((a, b) => a - b);
const latencies = loads.flatMap((l) => l['latenciesMs'] as number[]).sort((a, b) => a - b);
const received = loads.reduce((s, l) => s + (l['received'] as number), 0);
const elapsedMs = Math.max(...loads.map((l) => l['elapsedMs'] as number));
const stillHeld = heldSockets();

for (const { child } of children) child.send({ cmd: 'exit' });
await Promise.all(servers.map((srv) => srv.close()));
await redis?.stop();

const result = {
  // The commit measured (read at the start): bench:check calls the file stale once the code changes after it.
  ...measured,
  quick,
  redis: withRedis,
  instances: servers.length,
  socketsTarget,
  socketsHeld: held,
  socketsHeldAfterLoad: stillHeld,
  clientProcesses: childCount,
  connectAndJoinMs: Math.round(connectMs),
  connectRatePerS: Math.round(held / (connectMs / 1000)),
  serverRssBytesPerSocket: Math.round((after.rss - before.rss) / held),
  serverHeapBytesPerSocket: Math.round((after.heap - before.heap) / held),
  serverRssMiB: Math.round(after.rss / 2 ** 20),
  loadPairs: loadPairsPerChild * childCount,
  windowPerSender: window,
  loadDurationMs: Math.round(elapsedMs),
  relayedMsgsPerS: Math.round(received / (elapsedMs / 1000)),
  relayedByServer: relayedAfter - relayedBefore,
  relayLatencyMsP50: Number(quantile(latencies, 0.5).toFixed(3)),
  relayLatencyMsP99: Number(quantile(latencies, 0.99).toFixed(3)),
  relayLatencyMsMax: Number((latencies.at(-1) ?? NaN).toFixed(3)),
  lightLoadMsgsPerS: Math.round((light['received'] as number) / ((light['elapsedMs'] as number) / 1000)),
  lightLoadLatencyMsP50: Number(quantile(lightLatencies, 0.5).toFixed(3)),
  lightLoadLatencyMsP99: Number(quantile(lightLatencies, 0.99).toFixed(3)),
  connectChildren: connected.map((c) => ({ count: c['count'], ms: Math.round(c['ms'] as number) })),
};
mkdirSync('bench-results', { recursive: true });
const outFile = withRedis ? 'bench-results/signal-redis.json' : 'bench-results/signal.json';
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
const rows: [string, string][] = [
  ['sockets held (target)', `${held} (${socketsTarget})`],
  ['connect + join all', `${result.connectAndJoinMs} ms (${result.connectRatePerS}/s)`],
  [
    'server memory per socket',
    `${(result.serverRssBytesPerSocket / 1024).toFixed(1)} KiB RSS, ${(result.serverHeapBytesPerSocket / 1024).toFixed(1)} KiB heap`,
  ],
  ['server RSS with all sockets', `${result.serverRssMiB} MiB`],
  ['relay load', `${result.loadPairs} pairs x ${window} in flight, ${result.loadDurationMs} ms`],
  ['relay throughput', `${result.relayedMsgsPerS} msgs/s`],
  [
    'relay latency p50 / p99 / max',
    `${result.relayLatencyMsP50} / ${result.relayLatencyMsP99} / ${result.relayLatencyMsMax} ms`,
  ],
  [
    'latency, light load (10 pairs)',
    `p50 ${result.lightLoadLatencyMsP50} / p99 ${result.lightLoadLatencyMsP99} ms`,
  ],
];
console.log(
  `\nsignaling benchmark${quick ? ' (--quick)' : ''}${withRedis ? ' (2 instances over Redis)' : ''}`,
);
for (const [k, v] of rows) console.log(`  ${k.padEnd(32)} ${v}`);
console.log(`\nwrote ${outFile}`);
process.exit(0);
