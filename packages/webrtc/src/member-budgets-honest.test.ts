// Decision 0050's budgets never trip in an honest mesh: 10 createMesh peers (default detector
// settings, real signaling and WebRTC in this process) for a minute, with a crash at 20 s so the
// bursts an honest member sends (witnessed checks, retries, relays, suspicion pings) happen too.
// Every ping is answered (none throttled), no session refused, no channel refused.
// Run: bash scripts/netns.sh vitest run packages/webrtc/src/member-budgets-honest.test.ts
import { afterEach, expect, it } from 'vitest';
import type { Mesh } from './mesh.js';
import { stateOf, TestRoom } from './mesh-test-support.js';
import { until } from './test-helpers.js';

let room: TestRoom | undefined;
afterEach(async () => {
  await room?.close();
  room = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ids = Array.from({ length: 10 }, (_, i) => `peer${i}`);

function allHealthy(meshes: Mesh[], except?: string): boolean {
  return meshes.every((m) =>
    ids.every((id) => id === m.localId || id === except || stateOf(m, id) === 'healthy'),
  );
}

it('an honest N = 10 mesh over a minute, one crash: no ping throttled, no session or channel refused', async () => {
  room = await TestRoom.start();
  const meshes = ids.map((id) => room!.join(id, { config: {} }));
  await until(() => allHealthy(meshes), 30_000, 'all 10 healthy everywhere');
  const received = meshes.map((m) => m.detector.stats().messagesReceived);
  await sleep(20_000);
  const crashed = meshes[9]!;
  crashed.faults.crash();
  const survivors = meshes.slice(0, 9);
  await until(
    () => survivors.every((m) => stateOf(m, crashed.localId) === 'failed'),
    10_000,
    'the crash failed everywhere',
  );
  await sleep(40_000);
  expect(allHealthy(survivors, crashed.localId)).toBe(true);
  for (const [i, m] of survivors.entries()) {
    // The mesh really talked: a peer hears ~8 messages a second (acks of its probes, others' pings).
    expect(m.detector.stats().messagesReceived - received[i]!).toBeGreaterThan(300);
    expect(m.pingBudget.counters.pingsThrottled).toBe(0);
    expect(m.transport.manager.counters.sessionsRefused).toBe(0);
    for (const link of m.transport.manager.openLinks()) expect(link.counters.channelsRefused).toBe(0);
  }
}, 120_000);
