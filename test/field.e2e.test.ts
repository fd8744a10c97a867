// Behind NATs and a firewall, through coturn, in the network lab (test/README.md): a Chromium tab
// in home A (port-preserving NAT), an edge peer in home B (symmetric NAT: no direct path to anyone
// outside it) and a Firefox tab in the office (only TCP to port 443 gets out: TURN over TCP). All
// on stock defaults, with TURN credentials minted per peer by the signaling server. Checks what
// each peer's UI shows: everyone healthy, the path each link really takes, links that stay up
// through TURN credential renewals (60 s credentials, renewed every 20 s), a SIGKILLed edge
// peer marked failed over a relayed link, and, with coturn killed, the tabs showing each other
// alive but unreachable (their signaling sessions live on) rather than failed. Timings go to bench-results/field.json through
// scripts/bench-field.ts, not here. Needs root (namespaces, nftables).
//   bash scripts/netns.sh vitest run test/field.e2e.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startField, untilEvery, type Field } from './field/field.js';
import { loadNow, windowReport } from './field/report.js';

const root = process.getuid?.() === 0;
let field: Field;

beforeAll(async () => {
  if (!root) return;
  if (process.env['PULSEMESH_NETNS'] !== '1')
    throw new Error('run inside the loopback-only namespace: bash scripts/netns.sh vitest run test/');
  field = await startField(
    'lab',
    [
      { id: 'tab-a', kind: 'chromium', ns: 'homeA' },
      { id: 'edge-b', kind: 'edge', ns: 'homeB' },
      { id: 'fox-f', kind: 'firefox', ns: 'office' },
    ],
    'field',
    {},
    // Short-lived credentials (the server's floor), renewed often: the renewal case below sees two.
    { ttlSeconds: 60, renewAfterSeconds: 20 },
  );
}, 240_000);

afterAll(async () => {
  await field?.close();
}, 30_000);

// No retry: the relay links that sometimes never came up (edge-b ↔ fox-f, once tab-a ↔ edge-b)
// were coturn closing allocations on a lab artifact, fixed in the lab (test/README.md, "Why the
// public side has a default route"); the mesh redials links that do fail (redial.test.ts).
describe.skipIf(!root)('field: NATs, a firewall and TURN (network lab; needs root)', () => {
  it('every peer shows the others healthy, and each link the path it really takes', async () => {
    const [tab, edge, fox] = ['tab-a', 'edge-b', 'fox-f'].map((id) => field.peers.get(id)!);
    await untilEvery(
      [tab!, edge!, fox!],
      (v) => Object.values(v.states).filter((s) => s === 'healthy').length === 2,
      90_000,
      'everyone healthy everywhere',
    );
    // Paths are read from getStats() when a link opens and every 5 s.
    await untilEvery(
      [tab!],
      (v) =>
        v.paths['edge-b']?.startsWith('relay/') === true && v.paths['fox-f']?.startsWith('relay/') === true,
      30_000,
      'tab-a relays to the symmetric NAT and to the office',
    );
    // The office reaches TURN over TCP (the firewall lets nothing else out), to both others: the
    // link to the symmetric NAT is relay to relay (TCP allocation here, UDP one there).
    await untilEvery(
      [fox!],
      (v) => v.paths['tab-a'] === 'relay/tcp' && v.paths['edge-b'] === 'relay/tcp',
      30_000,
      'fox-f relays over TCP to tab-a and to edge-b',
    );
    expect((await fox!.view()).signal).toBe('connected');
    // coturn closes a whole allocation when a relayed send fails; in this lab nothing should
    // (test/README.md, "Why the public side has a default route").
    expect(field.turn!.log.filter((l) => l.includes('udp send'))).toEqual([]);
  }, 180_000);

  // What a renewal must not do: take a link down, move it off its relay, or get a live peer
  // failed. A suspicion that clears is timing, not renewal behaviour: a peer silent past the probe
  // round is suspected whatever the cause, and on a starved machine a tab's stall alone does it
  // (3 of 5 runs niced). "Nobody suspected through renewals" is a timed floor, judged where
  // timings are, under the heavy lock: bench-field's `renewal` (floor `field-renewal`). Here every
  // suspicion is listed in the report below, with the stalls at both ends.
  it('relayed links stay up, nobody failed, through TURN credential renewals', async () => {
    const peers = ['tab-a', 'edge-b', 'fox-f'].map((id) => field.peers.get(id)!);
    const tabs = peers.filter((p) => p.kind !== 'edge');
    const since = Date.now();
    const loadAtStart = loadNow();
    // Every 20 s the signaling server re-sends each peer its roster with a fresh credential; wait
    // for two (seen by each tab's mesh as a new TURN username).
    const deadline = since + 120_000;
    for (;;) {
      const renewed = await Promise.all(
        tabs.map(async (t) => (await t.turnUsers()).filter((u) => u.t >= since)),
      );
      if (renewed.every((r) => r.length >= 2)) break;
      if (Date.now() > deadline)
        throw new Error(`renewals not seen\n${await windowReport(peers, since, loadAtStart)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const problems: string[] = [];
    for (const p of peers) {
      for (const c of await p.linkChanges())
        if (!c.up && c.t >= since) problems.push(`${p.id}: link to ${c.peer} down`);
      for (const t of await p.transitions())
        if (t.t >= since && t.to !== 'healthy' && t.to !== 'suspected')
          problems.push(`${p.id}: ${t.peer} ${t.from}→${t.to} (${t.reason ?? '?'})`);
      // Every suspicion cleared: each other peer is healthy again.
      const states = (await p.view()).states;
      for (const other of peers)
        if (other !== p && states[other.id] !== 'healthy')
          problems.push(`${p.id}: ${other.id} is ${states[other.id] ?? 'unknown'} at the end`);
    }
    // Still relayed (no link was replaced by a new one on another path).
    const paths = [(await tabs[0]!.view()).paths, (await tabs[1]!.view()).paths];
    if (!/^relay\//.test(paths[0]!['edge-b'] ?? ''))
      problems.push(`tab-a → edge-b path ${paths[0]!['edge-b']}`);
    if (paths[1]!['tab-a'] !== 'relay/tcp') problems.push(`fox-f → tab-a path ${paths[1]!['tab-a']}`);
    if (paths[1]!['edge-b'] !== 'relay/tcp') problems.push(`fox-f → edge-b path ${paths[1]!['edge-b']}`);
    const report = await windowReport(peers, since, loadAtStart);
    console.log(`renewal case:\n${report}`);
    expect(problems, `${problems.join('\n')}\n${report}\n`).toEqual([]);
  }, 150_000);

  it('a SIGKILLed edge peer behind the symmetric NAT is marked failed over the relayed link', async () => {
    const tab = field.peers.get('tab-a')!;
    const fox = field.peers.get('fox-f')!;
    await field.peers.get('edge-b')!.crash();
    field.peers.delete('edge-b');
    // Generous bound: stock browser defaults detect in seconds; CI machines are slow and shared.
    await untilEvery(
      [tab, fox],
      (v) => v.states['edge-b'] === 'failed',
      60_000,
      'edge-b failed at both tabs',
    );
    // A crash reads as one: its signaling session ended too, so not "Unreachable".
    for (const observer of [tab, fox]) expect((await observer.view()).labels?.['edge-b']).toBe('Failed');
    // The survivors still see each other healthy, over their relay.
    const view = await tab.view();
    expect(view.states['fox-f']).toBe('healthy');
    expect(view.paths['fox-f']).toMatch(/^relay\//);
  }, 90_000);

  it('with coturn killed, the relayed tabs show each other alive but unreachable, not failed', async () => {
    const tab = field.peers.get('tab-a')!;
    const fox = field.peers.get('fox-f')!;
    // Every link left is relayed (tab-a ↔ fox-f), so killing TURN cuts them all; the signaling
    // server, which both still reach, knows both are alive: the table says "Unreachable".
    await field.turn!.kill();
    await untilEvery(
      [tab],
      (v) => v.unreachable?.includes('fox-f') === true,
      60_000,
      'tab-a shows fox-f unreachable',
    );
    await untilEvery(
      [fox],
      (v) => v.unreachable?.includes('tab-a') === true,
      60_000,
      'fox-f shows tab-a unreachable',
    );
    for (const [observer, other] of [
      [tab, 'fox-f'],
      [fox, 'tab-a'],
    ] as const) {
      const v = await observer.view();
      expect(v.states[other]).toBe('failed'); // the detector's verdict: no answer from here
      expect(v.labels?.[other]).toBe('Unreachable'); // what the user reads: not a crash
      expect(v.signal).toBe('connected');
      // The SIGKILLed edge peer's session ended at the server: never shown as merely unreachable.
      expect(v.unreachable).not.toContain('edge-b');
    }
  }, 150_000);
});
