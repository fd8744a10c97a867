import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { seededRandom } from './random.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';
import {
  crashAfterStall,
  crashWitnessed,
  failedBy,
  ids,
  mesh,
  others,
  stallTwice,
  startupOutliers,
  witness,
} from './test-witness.js';

describe('the signaling-session witness (decision 0013)', () => {
  it('closed-by-peer after a crash: every live peer fails it, reason witnessed, within ~0.35 s', () => {
    const net = mesh();
    net.crashed.add('c');
    const crashAt = net.nowMs;
    net.run(crashAt + 20);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(crashAt + 3_000);
    for (const o of others('c')) {
      const at = net.firstTransitionMs(o, 'c', 'failed', crashAt) as number;
      expect(at - crashAt).toBeGreaterThanOrEqual(300);
      expect(at - crashAt).toBeLessThanOrEqual(350);
    }
    expect(failedBy(net, 'c').filter((x) => x.endsWith(':witnessed')).length).toBeGreaterThanOrEqual(1);
    expect(net.get('a').stats().witnessChecks).toBe(1);
  });

  it('a checker whose timers fire late (within a round) still decides at the end of the window', () => {
    // A hidden tab's timers run at 1 Hz; here a's fire 80 ms late against 100 ms rounds (300 ms
    // window): each round must keep its schedule, not start over from the late tick (540 ms).
    const net = mesh();
    net.timerLateMs.set('a', 80);
    net.crashed.add('c');
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 3_000);
    const failedAt = (net.firstTransitionMs('a', 'c', 'failed', at) as number) - at;
    expect(failedBy(net, 'c')).toContain('a:witnessed');
    expect(failedAt).toBeGreaterThanOrEqual(300);
    expect(failedAt).toBeLessThanOrEqual(300 + 80 + 10);
  });

  it('a link estimate kept up by start-up outliers does not stretch the check (session 10)', () => {
    // c stalls 450 ms every 600 ms in its start-up (not remembered: loadMs stays 0); a's samples of
    // c then read 209 and 315 ms and, one every few periods, its estimate stays up (35 ± 60 ms at
    // 12 s): two link probe timeouts made a 500 ms window, though c answers in 4 ms again.
    const net = startupOutliers();
    net.run(12_000);
    const link = net.get('a').peer('c')?.link;
    expect((link?.rttMs ?? 0) + 4 * (link?.rttVarMs ?? 0)).toBeGreaterThan(200);
    expect(net.get('a').peer('c')?.vitals?.loadMs).toBeLessThan(50);
    const { ms, by } = crashWitnessed(net, 'a');
    expect(by).toContain('a:witnessed');
    expect(ms).toBeLessThanOrEqual(350);
  });

  it('a slow link keeps its wait: a live peer 150 ms away each way answers inside the check', () => {
    const net = new TestNetwork(1);
    const slow = (x: string, y: string): boolean => (x === 'a' && y === 'c') || (x === 'c' && y === 'a');
    net.latencyMs = (x, y) => (slow(x, y) ? 150 : 2);
    for (const id of ids) net.add(id, presets.browser);
    net.fullMesh(ids);
    net.run(12_000);
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 3_000);
    expect(failedBy(net, 'c')).toEqual([]);
    expect(net.get('a').stats().witnessChecksAnswered).toBeGreaterThanOrEqual(1);
  });

  it('a hang (no witness) is failed by the patient path, after the stall tolerance', () => {
    const net = mesh();
    net.crashed.add('c');
    const at = net.nowMs;
    net.run(at + 10_000);
    const times = others('c').map((o) => (net.firstTransitionMs(o, 'c', 'failed', at) as number) - at);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(1_700);
    expect(Math.max(...times)).toBeLessThan(6_000);
    expect(failedBy(net, 'c').some((x) => x.endsWith(':witnessed'))).toBe(false);
  });

  it('timed-out is no crash witness: a crashed peer timed out by the server waits for the patient path', () => {
    const net = mesh();
    net.crashed.add('c');
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.timedOut);
    net.run(at + 1_500);
    for (const o of others('c')) expect(net.stateOf(o, 'c')).not.toBe('failed');
    expect(net.get('a').peer('c')?.signalingLost).toBe(true);
    net.run(at + 10_000);
    for (const o of others('c')) expect(net.stateOf(o, 'c')).toBe('failed');
    expect(failedBy(net, 'c').some((x) => x.endsWith(':witnessed'))).toBe(false);
  });

  it('left: a live peer that left signaling only stays healthy, shown as signaling lost; joined clears it', () => {
    const net = mesh();
    witness(net, 'c', WitnessKind.left);
    net.run(net.nowMs + 5_000);
    for (const o of others('c')) expect(net.stateOf(o, 'c')).toBe('healthy');
    expect(net.get('a').peer('c')?.signalingLost).toBe(true);
    witness(net, 'c', WitnessKind.joined);
    expect(net.get('a').peer('c')?.signalingLost).toBe(false);
  });

  it('a live peer whose socket is reset (closed-by-peer) answers the probes and stays healthy', () => {
    const net = mesh();
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 5_000);
    for (const o of others('c')) {
      expect(net.transitions(o, 'c')).toEqual([]);
      expect(net.get(o).peer('c')?.signalingLost).toBe(true);
    }
    expect(net.get('a').stats().witnessChecksAnswered).toBe(1);
  });

  it('a live peer whose socket is reset while it stalls for 1 s is not failed (its reported stalls stretch the check)', () => {
    const net = mesh();
    // A janky tab: a 1 s long task a few seconds earlier, reported in its vital signs (loadMs).
    const at = stallTwice(net, 1_000, 1_000, 10);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 8_000);
    for (const o of others('c')) {
      expect(net.get(o).peer('c')?.vitals?.loadMs).toBeGreaterThanOrEqual(800);
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
    }
  });

  it('a peer that reported a long stall, then two stalls run into a 1.9 s silence with a reset inside, is not failed', () => {
    // packages/sim/src/witness.test.ts seed 2446087570: a staller that had reported ~544 ms stalled
    // 969 ms, a 985 ms stall began before that one ended (1.91 s of silence), and its socket was
    // reset 277 ms in. A window of 2 × loadMs + a period failed it at 13 peers; the patient path
    // would have waited the stall tolerance + its longest stall, and so does the witness now.
    const net = mesh();
    net.stalledUntil.set('c', net.nowMs + 600);
    net.run(net.nowMs + 6_000);
    const at = net.nowMs;
    // What the checkers know of it: the old window (2 × loadMs + a period + two probe timeouts)
    // ends before the silence does.
    for (const o of others('c'))
      expect(2 * (net.get(o).peer('c')?.vitals?.loadMs as number) + 250 + 2 * 50).toBeLessThan(1_914 - 277);
    net.stalledUntil.set('c', at + 1_914);
    net.run(at + 277);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 8_000);
    for (const o of others('c'))
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
  });

  it('a restarted peer is waited for as its previous process stalled, also after it was reaped', () => {
    // The hostile-browser profile's false failed (session 7): a staller restarts, its own stall
    // memory is empty (and its start-up is not remembered), a stall with a reset in it came
    // within seconds and ~18 peers failed it on a 300 ms window.
    const net = mesh();
    net.stalledUntil.set('c', net.nowMs + 600);
    net.run(net.nowMs + 6_000);
    net.crashed.add('c');
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(net.nowMs + 60_000);
    expect(
      net
        .get('a')
        .pastMembers()
        .some((p) => p.id === 'c'),
    ).toBe(true);
    // The same peer comes back: a new process (incarnation above the old one), linked again.
    for (const o of others('c')) net.unlink('c', o);
    net.crashed.delete('c');
    net.add('c', presets.browser, 5);
    for (const o of others('c')) net.link('c', o);
    const back = net.nowMs;
    net.run(back + 5_000);
    net.stalledUntil.set('c', net.nowMs + 800);
    net.run(net.nowMs + 20);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(net.nowMs + 8_000);
    for (const o of others('c')) {
      expect(net.get(o).peer('c')?.vitals?.uptimeMs ?? 0).toBeLessThan(20_000);
      // Failed once: the crash.
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toHaveLength(1);
    }
  });

  it("a checker that has not heard a peer's vital signs yet waits for it as for a peer that stalls", () => {
    // The dense hostile exploration (decision 0013, session 8): a checker up for a few seconds had
    // not probed a staller yet (no vitals: a 300 ms window) when the staller's socket was reset
    // inside a stall its other checkers knew of; it alone failed the staller.
    const net = mesh();
    const at = stallTwice(net, 900, 1_000, 100);
    net.add('g', presets.browser);
    // The vital signs `c` sends a new link are lost (a link-up without them is possible anyway).
    net.drop = (from, to) => from === 'c' && to === 'g';
    for (const o of ids) net.link('g', o);
    net.drop = () => false;
    net.run(at + 300);
    expect(net.get('g').peer('c')?.vitals).toBeUndefined();
    witness(net, 'c', WitnessKind.closedByPeer);
    net.apply('g', net.get('g').witness('c', WitnessKind.closedByPeer, net.nowMs));
    net.run(at + 8_000);
    for (const o of [...others('c'), 'g'])
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
  });

  it("a new link hears a peer's vital signs at once, not at its first probe of it", () => {
    const net = mesh();
    net.stalledUntil.set('c', net.nowMs + 900);
    net.run(net.nowMs + 6_000);
    net.add('g', presets.browser);
    for (const o of ids) net.link('g', o);
    net.run(net.nowMs + 10);
    expect(net.get('g').peer('c')?.vitals?.loadMs).toBeGreaterThanOrEqual(700);
  });

  it("only an ack of a ping sent since the witness answers a check, not a crashed peer's late messages", () => {
    // Decision 0013, seed 1080: a message the victim sent before its crash, late on the Pareto
    // tail, answered a check; the crash then waited for the patient path (9.4 s).
    const net = mesh();
    const slowFrom = net.nowMs;
    net.latencyMs = (from) => (from === 'c' ? 400 : 2);
    net.run(slowFrom + 1_000);
    net.crashed.add('c');
    net.run(net.nowMs + 20);
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 5_000);
    // Any message answered a check before: every observer then took the patient path (1.85-2.36 s).
    expect(failedBy(net, 'c').sort()).toEqual(others('c').map((o) => `${o}:witnessed`));
    for (const o of others('c')) {
      expect(net.get(o).stats().witnessChecksAnswered).toBe(0);
      // The window: c's reported lateness and the slow link's probe timeouts (~0.9-1.3 s).
      expect((net.firstTransitionMs(o, 'c', 'failed', at) as number) - at).toBeLessThan(1_500);
    }
  });

  it('the limit, stated: a first-ever 1 s stall with a reset at its start looks like a crash and is failed', () => {
    // Within the window a crash must be failed in (two probe timeouts), a silent peer whose socket
    // closed cannot be told from a dead one. It refutes when the stall ends (decision 0013).
    const net = mesh();
    const at = net.nowMs;
    net.stalledUntil.set('c', at + 1_000);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 8_000);
    expect(failedBy(net, 'c').some((x) => x.endsWith(':witnessed'))).toBe(true);
    for (const o of others('c')) expect(net.stateOf(o, 'c')).not.toBe('failed');
  });

  it('a 1.5 s stall without a witness is never failed (stall tolerance 1.7 s), over many phases', () => {
    for (let k = 0; k < 12; k++) {
      const net = mesh(k + 2);
      const at = net.nowMs + k * 23;
      net.run(at);
      net.stalledUntil.set('c', at + 1_500);
      net.run(at + 8_000);
      for (const o of others('c'))
        expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
    }
  });

  it('a live peer reset on a lossy, heavy-tailed network is never failed, however many peers check it', () => {
    // Every peer checks at once and the first to miss decides: with 5 % loss and a Pareto tail
    // (the hostile-browser network), two probe timeouts of ~60 ms missed a live peer about once
    // in a hundred checks (894 false `failed` in the 1,026 node-hour run). 12 peers, 40 resets.
    const many = Array.from({ length: 12 }, (_, i) => `p${i}`);
    for (let k = 0; k < 4; k++) {
      const net = new TestNetwork(k + 20);
      const r = seededRandom(k + 100);
      net.latencyMs = () => Math.min(3_000, 5 + 20 * r.next() + 10 / Math.pow(1 - r.next(), 1 / 1.5) - 10);
      net.drop = () => r.next() < 0.05;
      for (const id of many) net.add(id, presets.browser);
      net.fullMesh(many);
      net.run(10_000);
      for (let j = 0; j < 10; j++) {
        const about = many[(j * 5) % many.length] as string;
        for (const o of many)
          if (o !== about) net.apply(o, net.get(o).witness(about, 'closed-by-peer', net.nowMs));
        net.run(net.nowMs + 3_000);
      }
      const failed = net.events.filter(
        (e) => e.event.type === 'status-change' && e.event.detail.to === 'failed',
      );
      expect(failed.map((e) => `${e.observer}:${JSON.stringify(e.event.detail)}`)).toEqual([]);
    }
  });

  it('a hidden tab (it cannot measure its stalls) reset in a 1 s stall is waited for', () => {
    const net = mesh();
    net.apply('c', net.get('c').setLifecycle('hidden', net.nowMs));
    net.run(net.nowMs + 6_000);
    const at = net.nowMs;
    net.stalledUntil.set('c', at + 1_000);
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 8_000);
    for (const o of others('c'))
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
  });

  it('a crash of a peer that reported stalls is still failed by the witness, after its allowance', () => {
    const { net, at } = crashAfterStall(600);
    for (const o of others('c')) {
      // It reported the stall as timer lateness (up to a period less than 600 ms), a long stall:
      // the check waits what the patient path gives it, the stall tolerance (1.7 s) + that
      // lateness, plus two probe timeouts (50 ms each on these 2 ms links), not much more; the
      // patient path (a probe already out at the crash) may decide a little sooner.
      const loadMs = net.get(o).peer('c')?.vitals?.loadMs as number;
      expect(loadMs).toBeGreaterThanOrEqual(600 - 250);
      expect(loadMs).toBeLessThanOrEqual(600);
      const failedAt = (net.firstTransitionMs(o, 'c', 'failed', at) as number) - at;
      expect(failedAt).toBeGreaterThanOrEqual(1_700);
      expect(failedAt).toBeLessThan(1_700 + loadMs + 2 * 50 + 100);
    }
    expect(failedBy(net, 'c').filter((x) => x.endsWith(':witnessed')).length).toBeGreaterThanOrEqual(1);
  });

  it('a crash of a peer that reported a 200 ms stall: the 300 ms base overlaps the allowance', () => {
    // The first rule added the 300 ms base window to the allowance (decision 0013). A short stall
    // (under a period): two such back to back, each up to its lateness + the longest period
    // (300 ms), + two probe timeouts (50 ms each on these 2 ms links).
    const { net, at } = crashAfterStall(200);
    for (const o of others('c')) {
      const loadMs = net.get(o).peer('c')?.vitals?.loadMs as number;
      expect(loadMs).toBeGreaterThanOrEqual(50);
      expect(loadMs).toBeLessThan(250);
      const failedAt = (net.firstTransitionMs(o, 'c', 'failed', at) as number) - at;
      expect(failedAt).toBeGreaterThanOrEqual(2 * (loadMs + 300) + 2 * 50 - 5);
      expect(failedAt).toBeLessThan(2 * (loadMs + 300) + 2 * 50 + 100);
      expect(failedAt).toBeLessThan(300 + 2 * (loadMs + 300));
    }
    expect(failedBy(net, 'c').filter((x) => x.endsWith(':witnessed')).length).toBeGreaterThanOrEqual(1);
  });

  it('a stall in the first 10 s of a peer (its startup) is not remembered; one later is', () => {
    // Real tabs and edge peers stall once as they start (module evaluation, links opening); that
    // one stall was most of the allowance that missed the 0.5 s floor (decision 0013, session 6).
    const net = new TestNetwork(1);
    net.latencyMs = () => 2;
    for (const id of ids) net.add(id, presets.browser);
    net.fullMesh(ids);
    net.run(2_000);
    net.stalledUntil.set('c', 2_800);
    net.run(16_000);
    expect(net.get('a').peer('c')?.vitals?.loadMs).toBeLessThan(50);
    // The same stall once it runs is remembered (and waited for): see the allowance test above.
    net.stalledUntil.set('c', 16_800);
    net.run(22_000);
    expect(net.get('a').peer('c')?.vitals?.loadMs).toBeGreaterThanOrEqual(800 - 250);
  });

  it('witnesses about unknown peers and about oneself change nothing', () => {
    const net = mesh();
    const a = net.get('a');
    expect(a.witness('zz', WitnessKind.closedByPeer, net.nowMs).sends).toEqual([]);
    expect(a.witness('a', WitnessKind.closedByPeer, net.nowMs).sends).toEqual([]);
    net.run(net.nowMs + 3_000);
    expect(a.health().counts.failed).toBe(0);
  });
});
