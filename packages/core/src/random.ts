/**
 * Seeded pseudo-random numbers. Core never calls `Math.random`: every detector takes a
 * {@link Random} so that a simulation with the same seed replays the same run.
 */

/** A source of uniformly distributed numbers in [0, 1). */
export interface Random {
  /** Next number in [0, 1). */
  next(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, 128-bit state), seeded from one 32-bit
 * integer through splitmix32. Fast, passes PractRand to 2^41 bytes, and identical in every runtime.
 */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = new Sfc32(splitmix(), splitmix(), splitmix(), splitmix());
  for (let i = 0; i < 12; i++) state.next();
  return state;
}

/**
 * sfc32's state in a `Uint32Array`, not in closure variables: a 32-bit word above 2^30 is no small
 * integer to V8, so a closure's variables were boxed numbers, allocated afresh on every draw (every
 * probe, shuffle and jitter of every detector). Every operation is modulo 2^32, so storing the words
 * unsigned gives the same stream as before, bit for bit.
 */
class Sfc32 implements Random {
  private readonly w = new Uint32Array(4);
  constructor(a: number, b: number, c: number, d: number) {
    const w = this.w;
    w[0] = a;
    w[1] = b;
    w[2] = c;
    w[3] = d;
  }
  /** The next 32-bit output divided by 2^32: a number in [0, 1). */
  next(): number {
    const w = this.w;
    const a = w[0] as number;
    const b = w[1] as number;
    const c = w[2] as number;
    const d = w[3] as number;
    const t = (((a + b) >>> 0) + d) >>> 0;
    w[3] = d + 1;
    w[0] = b ^ (b >>> 9);
    w[1] = c + (c << 3);
    const r = (c << 21) | (c >>> 11);
    w[2] = r + t;
    return t / 4294967296;
  }
}

/** Integer in [0, n). `n` must be a positive integer. */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random.next() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
