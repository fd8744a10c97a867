/**
 * The run's shared verified-statement table (decision 0074) changes nothing a detector does or
 * counts: every detector of a run with it ends with the same stats as in the run where each keeps
 * its own cache (as real peers do), restarted nodes included.
 */
import type { DetectorStats } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { pulsemeshStrategy, type DetectorNode } from './detector-node.js';
import { profiles } from './profiles.js';
import { runScenario } from './scenario.js';

function run(sharedStatements: boolean): { stats: DetectorStats[]; digest: string } {
  const base = pulsemeshStrategy('default', { membersMax: 12 }, { sharedStatements });
  const made: DetectorNode[] = [];
  const strategy = {
    ...base,
    create: (init: Parameters<typeof base.create>[0]) => {
      const node = base.create(init) as DetectorNode;
      made.push(node);
      return node;
    },
  };
  const r = runScenario({
    strategy,
    profile: profiles.lan,
    n: 60,
    seed: 11,
    simSeconds: 40,
    topology: { kind: 'random', degree: 8 },
  });
  return { stats: made.map((d) => d.stats()), digest: JSON.stringify(r) };
}

describe('shared verified statements (simulator)', () => {
  it('leave every detector’s stats and the run’s summary as with each detector’s own cache', () => {
    const own = run(false);
    const shared = run(true);
    expect(shared.stats.length).toBeGreaterThan(60); // some nodes restarted: a slot made again
    expect(shared.stats).toEqual(own.stats);
    expect(shared.digest).toBe(own.digest);
    const verified = shared.stats.reduce((a, s) => a + s.signaturesVerified, 0);
    const skipped = shared.stats.reduce((a, s) => a + s.signaturesSkipped, 0);
    expect(verified).toBeGreaterThan(1000);
    expect(skipped).toBeGreaterThan(0);
  });
});
