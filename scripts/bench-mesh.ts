// Mesh benchmark: 8 Chromium tabs + 4 Node edge peers in one room, real signaling, real WebRTC.
// Scenarios: node-sigkill, renderer-crash, tab-close (samples each), soak (nothing killed).
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-mesh.ts [--quick]
// Writes bench-results/mesh.json (one entry per scenario) and prints a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import { launchChromium } from '../test/harness/chromium.js';
import { NodePeer, servePage, TabPeer, type BenchPeer } from './bench-mesh.peers.js';

const quick = process.argv.includes('--quick');
const tabsCount = 8;
const nodesCount = 4;
const samples = quick ? 3 : 10;
const soakS = Number(process.env['BENCH_SOAK_S'] ?? (quick ? 60 : 600));
const room = 'bench';
/**
 * Detector settings for the benchmark (same for tabs and Node peers; override with BENCH_CONFIG):
 * a 200 ms period and a short suspicion (2 × log10(12) × 200 ≈ 430 ms at full confirmation, up to
 * 3× that before confirmations), for well under 2 s detection on 12 peers. With suspicionMult 3
 * detection was ~1.7 s (SIGKILL) and ~2.1 s (renderer crash); neither setting gave a false
 * `failed` in its soak.
 */
const config = {
  probeIntervalMs: 200,
  probeIntervalMsMin: 200,
  probeIntervalMsMax: 400,
  probeTimeoutMsMin: 50,
  probeTimeoutMsMax: 150,
  suspicionMult: 2,
  suspicionMaxTimeoutMult: 3,
  phiStdMsMin: 150,
  ...(JSON.parse(process.env['BENCH_CONFIG'] ?? '{}') as Record<string, number>),
};

type Scenario = 'node-sigkill' | 'renderer-crash' | 'tab-close' | 'soak';
interface Entry {
  scenario: Scenario;
  tabs: number;
  nodes: number;
  samples: number;
  ms: { p50: number; max: number };
  falseFailed: number;
  durationS: number;
  samplesMs: number[];
}

if (process.env['PULSEMESH_NETNS'] !== '1') {
  console.error(
    'run inside the loopback-only namespace: bash scripts/netns.sh node ... scripts/bench-mesh.ts',
  );
  process.exit(2);
}
const log = (msg: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const signal = createSignalServer({ logLevel: 'silent' });
const { url: signalUrl } = await signal.listen(0, '127.0.0.1');
const page = await servePage();
const browser = await launchChromium();
const alive = new Map<string, BenchPeer>();
const gone = new Set<string>();
let tabSeq = 0;
let nodeSeq = 0;

async function addTab(): Promise<TabPeer> {
  const id = `tab-${++tabSeq}`;
  const tab = await TabPeer.open(browser, page.url, {
    signal: signalUrl,
    room,
    id,
    config: JSON.stringify(config),
  });
  alive.set(id, tab);
  return tab;
}
function addNode(): NodePeer {
  const id = `node-${++nodeSeq}`;
  const node = NodePeer.start(signalUrl, room, id, config);
  alive.set(id, node);
  return node;
}

async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every alive peer sees every other alive peer healthy. */
async function converged(): Promise<boolean> {
  const ids = [...alive.keys()];
  for (const peer of alive.values()) {
    const states = await peer.states();
    if (ids.some((id) => id !== peer.id && states[id] !== 'healthy')) return false;
  }
  return true;
}

/** Waits until every alive peer recorded `victim → to` after `sinceMs`; returns ms until the last did. */
async function timeToAll(victim: string, to: string, sinceMs: number): Promise<number> {
  let latest = 0;
  const observers = [...alive.values()];
  await poll(
    async () => {
      latest = 0;
      for (const peer of observers) {
        const hit = (await peer.transitions()).find(
          (t) => t.peer === victim && t.to === to && t.t >= sinceMs,
        );
        if (!hit) return false;
        latest = Math.max(latest, hit.t);
      }
      return true;
    },
    30_000,
    `${victim} → ${to} everywhere`,
  );
  return latest - sinceMs;
}

/** `failed` transitions, at any alive peer since `sinceMs`, about peers that were not victims. */
async function falseFailedSince(sinceMs: number): Promise<number> {
  let n = 0;
  for (const peer of alive.values())
    for (const t of await peer.transitions())
      if (t.to === 'failed' && t.t >= sinceMs && !gone.has(t.peer)) {
        n += 1;
        log(`false failed: ${peer.id} marked ${t.peer} failed at +${t.t - sinceMs} ms`);
      }
  return n;
}

function entry(scenario: Scenario, ms: number[], falseFailed: number, startedMs: number): Entry {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    scenario,
    tabs: tabsCount,
    nodes: nodesCount,
    samples: ms.length,
    ms: { p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
    falseFailed,
    durationS: Math.round((Date.now() - startedMs) / 1000),
    samplesMs: ms,
  };
}

interface Kill {
  victim: string;
  to: string;
  atMs: number;
  /** Starts the replacement peer, once the detection was measured. */
  replace(): Promise<void>;
}

async function runSamples(scenario: Scenario, kill: () => Promise<Kill>): Promise<Entry> {
  const started = Date.now();
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    await poll(converged, 60_000, 'mesh converged');
    const k = await kill();
    const took = await timeToAll(k.victim, k.to, k.atMs);
    ms.push(took);
    log(`${scenario} #${i + 1}: ${k.victim} → ${k.to} everywhere in ${took} ms`);
    await k.replace();
  }
  const result = entry(scenario, ms, await falseFailedSince(started), started);
  await poll(converged, 60_000, 'mesh converged');
  return result;
}

/** Takes the first alive peer of a kind out of the mesh's bookkeeping. */
function takeVictim<K extends 'tab' | 'node'>(kind: K): K extends 'tab' ? TabPeer : NodePeer {
  const victim = [...alive.values()].find((p) => p.kind === kind)!;
  alive.delete(victim.id);
  gone.add(victim.id);
  return victim as K extends 'tab' ? TabPeer : NodePeer;
}

const results: Entry[] = [];
try {
  log(`starting ${tabsCount} tabs + ${nodesCount} Node peers (signal ${signalUrl}, page ${page.url})`);
  log(`detector config overrides: ${JSON.stringify(config)}`);
  for (let i = 0; i < nodesCount; i++) addNode();
  for (let i = 0; i < tabsCount; i++) await addTab();
  const meshStart = Date.now();
  await poll(converged, 90_000, 'initial mesh');
  log(`mesh of ${alive.size} converged in ${Date.now() - meshStart} ms`);

  results.push(
    await runSamples('node-sigkill', async () => {
      const victim = takeVictim('node');
      const atMs = Date.now();
      victim.proc.kill('SIGKILL');
      return { victim: victim.id, to: 'failed', atMs, replace: async () => void addNode() };
    }),
  );
  results.push(
    await runSamples('renderer-crash', async () => {
      const victim = takeVictim('tab');
      const atMs = Date.now();
      await victim.crash();
      const replace = async (): Promise<void> => {
        await victim.dispose();
        await addTab();
      };
      return { victim: victim.id, to: 'failed', atMs, replace };
    }),
  );
  results.push(
    await runSamples('tab-close', async () => {
      const victim = takeVictim('tab');
      const atMs = Date.now();
      await victim.closeTab();
      const replace = async (): Promise<void> => {
        await victim.dispose();
        await addTab();
      };
      return { victim: victim.id, to: 'left', atMs, replace };
    }),
  );

  log(`soak: ${soakS} s with nothing killed`);
  const soakStart = Date.now();
  await new Promise((r) => setTimeout(r, soakS * 1000));
  results.push(entry('soak', [], await falseFailedSince(soakStart), soakStart));
} finally {
  mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('../bench-results/mesh.json', import.meta.url),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      samples: r.samples,
      'p50 ms': r.ms.p50,
      'max ms': r.ms.max,
      falseFailed: r.falseFailed,
      durationS: r.durationS,
    })),
  );
  for (const p of alive.values()) if (p.kind === 'node') (p as NodePeer).proc.kill('SIGTERM');
  await browser.close();
  page.server.close();
  await signal.close();
  process.exit(0);
}
