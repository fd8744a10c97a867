/**
 * Prints a digest of the journal of a fixed set of seeded runs (every profile, every strategy, a
 * random mesh, N = 10 and 50): a change meant to keep behaviour (a speed-up, a split) must leave
 * every line unchanged. Run before and after, compare:
 *
 *   node --conditions=source --import tsx packages/sim/bin/journal-digest.ts
 */
import { createHash } from 'node:crypto';
import { type ProfileName, profiles } from '../src/profiles.js';
import { runScenario } from '../src/scenario.js';
import { STRATEGY_KEYS, strategyFor } from '../src/strategies.js';

const PROFILES = Object.keys(profiles) as ProfileName[];

for (const profile of PROFILES) {
  for (const key of STRATEGY_KEYS) {
    for (const [n, topology] of [
      [10, undefined],
      [50, { kind: 'random', degree: 8 } as const],
    ] as const) {
      const hash = createHash('sha256');
      let lines = 0;
      const r = runScenario({
        strategy: strategyFor(key, n),
        profile: profiles[profile],
        n,
        seed: 7,
        simSeconds: 40,
        warmupMs: 5000,
        ...(topology ? { topology } : {}),
        journal: (line) => {
          hash.update(line).update('\n');
          lines++;
        },
      });
      hash.update(JSON.stringify(r)); // the measured summary too (no clock is given: wall time is 0)
      console.log(
        `${profile.padEnd(16)} ${key.padEnd(18)} n=${String(n).padEnd(3)} lines=${String(lines).padStart(7)} events=${String(r.sim.events).padStart(7)} ${hash.digest('hex').slice(0, 16)}`,
      );
    }
  }
}
