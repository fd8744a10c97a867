// Decision 0056's budgets never trip in an honest mesh with churn: 12 createMesh peers (default
// detector settings, real signaling and WebRTC in this process); two leave and come back under
// the same id, one leaves for good and a newcomer joins under a fresh id, one crashes. No session
// refused (per member or shared stranger budget), no unheard link displaced, no `busy` sent, no
// ping throttled, no relay job refused, no ping-req naming its receiver.
// Run: bash scripts/netns.sh vitest run packages/webrtc/src/member-budgets-churn.test.ts
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

function allHealthy(meshes: Mesh[]): boolean {
  return meshes.every((m) => meshes.every((o) => o === m || stateOf(m, o.localId) === 'healthy'));
}

it('an honest N = 12 mesh with leaves, same-id rejoins, a fresh id and a crash: no budget hit', async () => {
  room = await TestRoom.start();
  const live = new Map<string, Mesh>();
  const join = (id: string): void => void live.set(id, room!.join(id, { config: {} }));
  for (let i = 0; i < 12; i++) join(`peer${i}`);
  await until(() => allHealthy([...live.values()]), 30_000, 'all 12 healthy everywhere');
  await sleep(11_000); // every link held stableLinkMs: the members are established
  for (const id of ['peer3', 'peer11', 'peer0']) {
    live.get(id)!.close();
    live.delete(id);
    await sleep(2_000);
  }
  join('peer3');
  join('peer11');
  join('newcomer');
  await until(() => allHealthy([...live.values()]), 30_000, 'rejoined and new peers healthy everywhere');
  const crashed = live.get('peer7')!;
  crashed.faults.crash();
  live.delete('peer7');
  await until(
    () => [...live.values()].every((m) => stateOf(m, 'peer7') === 'failed'),
    15_000,
    'the crash failed everywhere',
  );
  await sleep(5_000);
  expect(allHealthy([...live.values()])).toBe(true);
  // The premise: links were built on strangers' initiative (the cold start, the newcomer).
  const strangerBuilt = [...live.values()].reduce(
    (n, m) => n + m.transport.manager.counters.strangerLinksBuilt,
    0,
  );
  console.log(`links built for strangers by the 11 live peers: ${strangerBuilt}`);
  expect(strangerBuilt).toBeGreaterThanOrEqual(40);
  for (const m of live.values()) {
    const { counters } = m.transport.manager;
    const stats = m.detector.stats();
    expect({
      id: m.localId,
      sessionsRefused: counters.sessionsRefused,
      strangerSessionsRefused: counters.strangerSessionsRefused,
      unheardLinksDisplaced: counters.unheardLinksDisplaced,
      busySent: counters.busySent,
      pingsThrottled: m.pingBudget.counters.pingsThrottled,
      relayJobsRefused: stats.relayJobsRefused,
      pingReqsToSelf: stats.pingReqsToSelf,
    }).toEqual({
      id: m.localId,
      sessionsRefused: 0,
      strangerSessionsRefused: 0,
      unheardLinksDisplaced: 0,
      busySent: 0,
      pingsThrottled: 0,
      relayJobsRefused: 0,
      pingReqsToSelf: 0,
    });
  }
}, 150_000);
