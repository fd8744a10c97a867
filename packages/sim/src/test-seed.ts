/**
 * Seeds for randomized tests: a fixed list plus one fresh seed (or `SEED` from the environment),
 * and the one-line command that reproduces a failure. Test-only helper (no Node types here: the
 * caller passes what it read from `process`).
 */

/** Fixed seeds every run covers. */
export const FIXED_SEEDS: readonly number[] = [1, 2, 3];

/** The seeds to run: `SEED` alone when set, else the fixed list plus `fresh`. */
export function testSeeds(envSeed: string | undefined, fresh: number): number[] {
  if (envSeed !== undefined && envSeed !== '') return [Number(envSeed) >>> 0];
  return [...FIXED_SEEDS, fresh >>> 0];
}

/** The command that reruns one test file with one seed. */
export function reproduceCommand(seed: number, file: string): string {
  return `SEED=${seed} node_modules/.bin/vitest run ${file}`;
}
