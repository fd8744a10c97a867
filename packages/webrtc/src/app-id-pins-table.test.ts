// Decision 0061 on real node-datachannel connections made in this process: a released pin goes to
// the next key proven under its app id, and a pin outlives a full member table (a failed member
// evicted early, a member the table never took) until its reap time.
// Run: nice -n 10 pnpm vitest run packages/webrtc/src/app-id-pins-table.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import { attachAs, closeAll, meshWithIdentity, monitoredUnder, stateAt } from './app-id-pins-test-support.js';
import { until } from './test-helpers.js';

afterEach(closeAll);

describe('a plain app id pin, one key at a time (decision 0061)', () => {
  it('released by Mallory’s proof elsewhere, it pins carol’s key: Mallory is refused after carol drops', async () => {
    const [victim, carol, mallory] = [meshWithIdentity(), meshWithIdentity(), meshWithIdentity()];
    await attachAs(victim, 'carol-app', mallory);
    await until(() => victim.proofCounters.proven === 1, 10_000, 'Mallory proven under carol-app');
    await attachAs(victim, 'mallory-app', mallory);
    await until(() => monitoredUnder(victim, 'mallory-app').length === 1, 10_000, 'Mallory as herself');
    const first = await attachAs(victim, 'carol-app', carol);
    await until(() => stateAt(victim, carol.localId) === 'healthy', 10_000, 'carol linked');
    for (const pc of first) pc.close(); // carol's link drops: no link holds carol-app, the pin does
    await until(() => monitoredUnder(victim, 'carol-app').length === 0, 5_000, 'the drop noticed');
    await attachAs(victim, 'carol-app', mallory);
    await until(() => victim.proofCounters.refused['pinned-key'] === 1, 10_000, 'Mallory refused');
    expect(victim.proofCounters.challengersRefused).toBe(0);
    expect(monitoredUnder(victim, 'carol-app')).toEqual([]);
  });

  it('outlives carol’s eviction from a full member table until her reap time', async () => {
    const victim = meshWithIdentity({ config: { membersMax: 2 } });
    const [carol, dave, erin, mallory] = [1, 2, 3, 4].map(() => meshWithIdentity());
    const first = await attachAs(victim, 'carol-app', carol!);
    await until(() => stateAt(victim, carol!.localId) === 'healthy', 10_000, 'carol linked');
    carol!.close(); // carol crashes
    for (const pc of first) pc.close();
    await until(() => stateAt(victim, carol!.localId) === 'failed', 15_000, 'carol failed at victim');
    await attachAs(victim, 'dave-app', dave!);
    await attachAs(victim, 'erin-app', erin!); // the table is full: failed carol is evicted
    await until(() => stateAt(victim, carol!.localId) === undefined, 10_000, 'carol evicted');
    expect(victim.detector.stats().membersEvicted).toBe(1);
    await attachAs(victim, 'carol-app', mallory!); // seconds after carol failed, not 30 s
    await until(() => victim.proofCounters.refused['pinned-key'] === 1, 10_000, 'Mallory refused');
    expect(monitoredUnder(victim, 'carol-app')).toEqual([]);
  });

  it('holds for a key the full table never took, until the reap time after its link ended', async () => {
    const reapAfterMs = 6_000;
    const victim = meshWithIdentity({ config: { membersMax: 1, reapAfterMs } });
    const [carol, dave, mallory] = [1, 2, 3].map(() => meshWithIdentity());
    await attachAs(victim, 'dave-app', dave!);
    await until(() => stateAt(victim, dave!.localId) === 'healthy', 10_000, 'dave linked');
    const first = await attachAs(victim, 'carol-app', carol!);
    await until(() => monitoredUnder(victim, 'carol-app').length === 1, 10_000, 'carol proven');
    expect(stateAt(victim, carol!.localId)).toBeUndefined(); // linked, not in the member table
    for (const pc of first) pc.close();
    await until(() => monitoredUnder(victim, 'carol-app').length === 0, 5_000, 'the drop noticed');
    const droppedAtMs = performance.now();
    await attachAs(victim, 'carol-app', mallory!);
    await until(() => victim.proofCounters.refused['pinned-key'] === 1, 10_000, 'Mallory refused');
    expect(performance.now() - droppedAtMs).toBeLessThan(reapAfterMs);
    await new Promise((resolve) => setTimeout(resolve, reapAfterMs - (performance.now() - droppedAtMs)));
    await attachAs(victim, 'carol-app', mallory!); // the hold is over: the app id is free again
    await until(() => monitoredUnder(victim, 'carol-app').length === 1, 10_000, 'Mallory counts');
    expect(monitoredUnder(victim, 'carol-app')).toEqual([[mallory!.localId, true]]);
  });
});
