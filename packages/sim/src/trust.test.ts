/**
 * The simulator's `trust` option (signed membership, decision 0012): the real detector signs and
 * verifies (with core's stand-in signer of Ed25519 sizes), still detects every crash with no
 * false `failed`, and pays for the signatures in bytes on the wire.
 */
import { describe, expect, it } from 'vitest';
import { pulsemeshStrategy } from './detector-node.js';
import { profiles } from './profiles.js';
import { runScenario } from './scenario.js';

const run = (trust: boolean): ReturnType<typeof runScenario> =>
  runScenario({
    strategy: pulsemeshStrategy('default', {}, { trust }),
    profile: profiles.lan,
    n: 20,
    seed: 7,
    simSeconds: 60,
  });

describe('simulator option trust', () => {
  it('signs membership: crashes still failed everywhere, no false failed, signatures cost bytes', () => {
    const plain = run(false);
    const signed = run(true);
    expect(signed.preset).toBe('default'); // what createMesh runs: the benchmark's default
    expect(plain.preset).toBe('default+unsigned');
    expect(signed.crashes).toBeGreaterThan(0);
    expect(signed.crashes).toBe(plain.crashes);
    expect(signed.undetectedAll).toBe(0);
    expect(signed.falseFailed).toBe(0);
    // 96 bytes (key + signature) on every signed update.
    expect(signed.bytesPerNodePerSec.mean).toBeGreaterThan(plain.bytesPerNodePerSec.mean * 1.2);
    expect(run(true).bytesPerNodePerSec).toEqual(signed.bytesPerNodePerSec); // deterministic
  });
});
