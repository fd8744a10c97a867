// Helpers of the witness scenario tests (`scenario-witness*.test.ts`): a settled six-peer mesh on
// the browser default, the server's witness handed to the room, and stall/crash set-ups. Test-only:
// left out of the build (tsconfig.build.json, package.json "files").
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';

export const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
export const others = (x: string): string[] => ids.filter((id) => id !== x);

/** Six peers on the browser default, full mesh, 2 ms links, settled for 10 s. */
export function mesh(seed = 1): TestNetwork {
  const net = new TestNetwork(seed);
  net.latencyMs = () => 2;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  net.run(10_000);
  return net;
}

/** Hands the same witness to every live peer but `about` (the server tells the room). */
export function witness(net: TestNetwork, about: string, kind: WitnessKind): void {
  for (const o of others(about)) {
    if (!net.crashed.has(o)) net.apply(o, net.get(o).witness(about, kind, net.nowMs));
  }
}

/** `c` stalls `stallMs` (its vital signs report it), 6 s later crashes; the room is told at `at`. */
export function crashAfterStall(stallMs: number): { net: TestNetwork; at: number } {
  const net = mesh();
  net.stalledUntil.set('c', net.nowMs + stallMs);
  net.run(net.nowMs + 6_000);
  return { net, at: crashNow(net) };
}

/** `c` crashes now and the room is told; runs 5 s on and returns when it crashed. */
export function crashNow(net: TestNetwork): number {
  net.crashed.add('c');
  const at = net.nowMs;
  witness(net, 'c', WitnessKind.closedByPeer);
  net.run(at + 5_000);
  return at;
}

/**
 * `c` crashes now and the room is told; runs 3 s on and returns how long after the crash `observer`
 * failed it (undefined: never) and who failed it, with what reason.
 */
export function crashWitnessed(net: TestNetwork, observer: string): { ms: number | undefined; by: string[] } {
  net.crashed.add('c');
  const at = net.nowMs;
  witness(net, 'c', WitnessKind.closedByPeer);
  net.run(at + 3_000);
  const failedAt = net.firstTransitionMs(observer, 'c', 'failed', at);
  return { ms: failedAt === undefined ? undefined : failedAt - at, by: failedBy(net, 'c') };
}

/**
 * `c` stalls `firstMs` (its vital signs report it), 6 s later stalls again for `secondMs`, and the
 * run goes on `settleMs` into that second stall; returns when the second stall began.
 */
export function stallTwice(net: TestNetwork, firstMs: number, secondMs: number, settleMs: number): number {
  net.stalledUntil.set('c', net.nowMs + firstMs);
  net.run(net.nowMs + 6_000);
  const at = net.nowMs;
  net.stalledUntil.set('c', at + secondMs);
  net.run(at + settleMs);
  return at;
}

/** Six peers started together, 2 ms links; `c` stalls 450 ms every 600 ms from 3 s to 6 s (its start-up). */
export function startupOutliers(): TestNetwork {
  const net = new TestNetwork(1);
  net.latencyMs = () => 2;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  for (let t = 3_000; t < 6_000; t += 600) {
    net.run(t);
    net.stalledUntil.set('c', t + 450);
  }
  net.run(6_000);
  return net;
}

export const failedBy = (net: TestNetwork, peer: string): string[] =>
  net.events.flatMap(({ observer, event }) =>
    event.type === 'status-change' && event.detail.peer === peer && event.detail.to === 'failed'
      ? [`${observer}:${event.detail.reason}`]
      : [],
  );
