/**
 * Seeds for randomized tests: a fixed list plus fresh seeds (or `SEED` from the environment),
 * and the one-line command that reproduces a failure. Test-only helper (no Node types here: the
 * caller passes what it read from `process`).
 */

/** Fixed seeds every run covers. */
export const FIXED_SEEDS: readonly number[] = [1, 2, 3];

/** Fresh seeds per run, besides the fixed ones. */
export const FRESH_SEEDS = 2;

/**
 * The seeds to run: `SEED` alone when set, else the fixed list, then `regressions` (fresh seeds that
 * once failed this file), plus {@link FRESH_SEEDS} fresh ones derived from `fresh` (a random draw
 * the caller makes and prints).
 */
export function testSeeds(
  envSeed: string | undefined,
  fresh: number,
  regressions: readonly number[] = [],
): number[] {
  if (envSeed !== undefined && envSeed !== '') return [Number(envSeed) >>> 0];
  const out = [...FIXED_SEEDS, ...regressions];
  let x = fresh >>> 0;
  for (let k = 0; k < FRESH_SEEDS; k++) {
    out.push(x);
    x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) + 0x9e3779b9) >>> 0;
  }
  return out;
}

/** The command that reruns one test file with one seed. */
export function reproduceCommand(seed: number, file: string): string {
  return `SEED=${seed} node_modules/.bin/vitest run ${file}`;
}

/** Runs `body`; if it throws, the error's message ends with the command that replays `seed` in `file`. */
export function withReplay(seed: number, file: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    if (error instanceof Error) error.message += `\nreproduce: ${reproduceCommand(seed, file)}`;
    throw error;
  }
}
