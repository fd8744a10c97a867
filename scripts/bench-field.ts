// Field benchmark: real browsers and edge peers behind NATs and a firewall in the network lab
// (test/harness/lab.ts), links through coturn, every peer on stock defaults. Writes its section of
// bench-results/field.json (merged with the others already there) and prints a summary.
//
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts <what>
//     detect [--runs N]    crash and hang detection by victim, lab and loopback baseline
//     turn-kill            coturn SIGKILLed mid-run: what every peer's UI shows
//     soak [--minutes M]   M minutes (default 10) across the NATs at 2 % loss: false `failed`
//
// The lab is torn down on every exit (lab.ts). Machine: 2 cores shared with other work; say so.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { firstTransition, startField, untilEvery, type Field, type PeerSpec } from '../test/field/field.js';
import type { FieldPeer, Transition } from '../test/field/peers.js';

const out = 'bench-results/field.json';

/** The cast: a Chromium tab and an edge peer in home A (port-preserving NAT), a Chromium tab and
 * an edge peer in home B (symmetric NAT), a Firefox tab in the office (TCP to 443 only). */
const cast: PeerSpec[] = [
  { id: 'tab-a', kind: 'chromium', ns: 'homeA' },
  { id: 'edge-a', kind: 'edge', ns: 'homeA' },
  { id: 'tab-b', kind: 'chromium', ns: 'homeB' },
  { id: 'edge-b', kind: 'edge', ns: 'homeB' },
  { id: 'fox-f', kind: 'firefox', ns: 'office' },
];

function record(section: string, value: unknown): void {
  mkdirSync('bench-results', { recursive: true });
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  all['machine'] = '2 cores, shared with other work while measured (timings are loaded-machine timings)';
  all['detector'] = 'stock defaults: preset browser in tabs, lan in edge peers, no overrides';
  all[section] = value;
  writeFileSync(out, `${JSON.stringify(all, null, 2)}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const others = (field: Field, but: string): FieldPeer[] =>
  [...field.peers.values()].filter((p) => p.id !== but);

/** Every observer's view of every other peer: state and path. */
async function snapshot(field: Field): Promise<Record<string, unknown>> {
  const views: Record<string, unknown> = {};
  for (const p of field.peers.values()) views[p.id] = await p.view().catch((e: unknown) => String(e));
  return views;
}

async function allHealthy(field: Field, timeoutMs = 90_000): Promise<void> {
  const ids = [...field.peers.keys()];
  await untilEvery(
    [...field.peers.values()],
    (v) => ids.filter((id) => v.states[id] === 'healthy').length === ids.length - 1,
    timeoutMs,
    'every peer healthy everywhere',
  );
}

/** `failed` transitions in every observer's record since `sinceMs` (none expected in a soak). */
async function failedSince(field: Field, sinceMs: number): Promise<(Transition & { observer: string })[]> {
  const all: (Transition & { observer: string })[] = [];
  for (const p of field.peers.values())
    for (const t of await p.transitions().catch(() => []))
      if (t.to === 'failed' && t.t >= sinceMs) all.push({ ...t, observer: p.id });
  return all;
}

async function soak(minutes: number): Promise<void> {
  const field = await startField('lab', cast, 'soak');
  try {
    await allHealthy(field);
    const paths = await snapshot(field);
    for (const host of ['homeA', 'homeB', 'office'] as const) await field.lab!.setLoss(host, 0.02);
    const start = Date.now();
    console.log(
      `soak: ${minutes} min at 2 % loss on every site's access link, started ${new Date(start).toISOString()}`,
    );
    const suspected: Record<string, number> = {};
    while (Date.now() - start < minutes * 60_000) {
      await sleep(30_000);
      const failed = await failedSince(field, start);
      console.log(
        `soak: ${((Date.now() - start) / 60_000).toFixed(1)} min, false failed so far: ${failed.length}`,
      );
    }
    for (const p of field.peers.values())
      for (const t of await p.transitions())
        if (t.to === 'suspected' && t.t >= start) suspected[p.id] = (suspected[p.id] ?? 0) + 1;
    const failed = await failedSince(field, start);
    record('soak', {
      command: `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts soak --minutes ${minutes}`,
      at: new Date(start).toISOString(),
      minutes,
      loss: '2 % of packets dropped on arrival at each site host and at its router from the host (both directions of every link of home A, home B and the office)',
      peers: cast,
      falseFailed: failed.length,
      falseFailedTransitions: failed,
      suspectedTransitionsByObserver: suspected,
      viewsAtStart: paths,
      viewsAtEnd: await snapshot(field),
    });
    console.log(`soak: done, ${failed.length} false failed`);
  } finally {
    await field.close();
  }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { minutes: { type: 'string' }, runs: { type: 'string' } },
});
const what = positionals[0];
if (what === 'soak') await soak(Number(values.minutes ?? 10));
else {
  console.error('usage: bench-field.ts detect [--runs N] | turn-kill | soak [--minutes M]');
  process.exit(2);
}
void firstTransition;
void others;
