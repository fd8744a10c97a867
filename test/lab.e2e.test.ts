// The network lab itself (test/harness/lab.ts): the user-space delay bridge on a site's access
// link adds its delay in each direction and carries TCP intact, with jitter too; the nftables
// loss drops what it says. Between home A's host (behind its NAT) and a server in the public
// namespace, with real UDP and TCP (`harness/lab-echo.ts`). Lower bounds only: a delay is a
// minimum (the bridge never sends a frame early), load only adds. Needs root and Go.
//   bash scripts/netns.sh vitest run test/lab.e2e.test.ts
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labAddress, startLab, type Lab } from './harness/lab.js';

const root = process.getuid?.() === 0;
const echo = fileURLToPath(new URL('./harness/lab-echo.ts', import.meta.url));
const tsx = ['--import', 'tsx', echo];
const server = labAddress.page;
const port = 9_000;
let lab: Lab;

interface Probe {
  rttsMs: number[];
  lost: number;
  tcpOk: boolean;
}

function firstJson<T>(child: ReturnType<Lab['spawn']>): Promise<T> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as T));
    child.once('exit', (code) => reject(new Error(`lab-echo exited (${code})`)));
  });
}

const probe = (count: number, tcpBytes: number): Promise<Probe> =>
  firstJson<Probe>(
    lab.spawn('homeA', process.execPath, [
      ...tsx,
      'probe',
      server,
      String(port),
      String(count),
      String(tcpBytes),
    ]),
  );

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

beforeAll(async () => {
  if (!root) return;
  lab = await startLab({ delay: true });
  await firstJson(lab.spawn('public', process.execPath, [...tsx, 'serve', server, String(port)]));
}, 120_000);

afterAll(async () => {
  await lab?.close();
});

describe.skipIf(!root)('network lab: delay bridge and loss (needs root and Go)', () => {
  it('adds the delay in each direction, with jitter, and carries TCP byte for byte', async () => {
    const base = await probe(20, 1 << 20);
    expect(base.lost).toBe(0);
    expect(base.tcpOk).toBe(true);
    await lab.setDelay('homeA', 40);
    const delayed = await probe(20, 1 << 20);
    expect(delayed.lost).toBe(0);
    expect(delayed.tcpOk).toBe(true);
    // Every round trip crosses the bridge twice.
    expect(Math.min(...delayed.rttsMs)).toBeGreaterThanOrEqual(80);
    await lab.setDelay('homeA', 20, 30);
    const jittered = await probe(30, 1 << 20);
    expect(jittered.tcpOk).toBe(true);
    expect(Math.min(...jittered.rttsMs)).toBeGreaterThanOrEqual(40);
    console.log(
      `lab delay: median RTT ${median(base.rttsMs).toFixed(1)} ms bare, ${median(delayed.rttsMs).toFixed(1)} ms at 40 ms, ${median(jittered.rttsMs).toFixed(1)} ms at 20 + 0-30 ms`,
    );
    await lab.setDelay('homeA', 0);
  }, 120_000);

  it('drops the share of packets setLoss asks for, in both directions', async () => {
    await lab.setLoss('homeA', 0.5);
    // An echo survives only if both the request and the answer do: 0.5 × 0.5 = 25 %.
    const burst = () =>
      firstJson<{ sent: number; answered: number }>(
        lab.spawn('homeA', process.execPath, [...tsx, 'burst', server, String(port), '200']),
      );
    const lossy = await burst();
    await lab.setLoss('homeA', 0);
    expect(lossy.answered).toBeGreaterThan(20); // expected 50, σ ≈ 6
    expect(lossy.answered).toBeLessThan(90);
    expect((await burst()).answered).toBe(200);
  }, 120_000);

  it('refuses setDelay on a lab built without bridges', async () => {
    const plain = await startLab();
    try {
      await expect(plain.setDelay('homeA', 10)).rejects.toThrow(/no delay bridge/);
    } finally {
      await plain.close();
    }
  }, 60_000);
});
