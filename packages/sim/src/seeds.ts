/**
 * One root seed, many independent streams. Every random choice in a simulation draws from a stream
 * derived from the root seed and a label (`network`, `clock`, `workload`, `node:17`), so adding a
 * random draw in one place does not shift the numbers drawn anywhere else.
 */
import { type Random, seededRandom } from '@pulsemesh/core';

/** 32-bit FNV-1a hash of a string, mixed with a 32-bit seed. */
export function hashString(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** The sub-seed for `label` under `rootSeed`. */
export function subSeed(rootSeed: number, label: string): number {
  return hashString(rootSeed >>> 0, label);
}

/** An independent random stream for `label` under `rootSeed`. */
export function subRandom(rootSeed: number, label: string): Random {
  return seededRandom(subSeed(rootSeed, label));
}

/** Hash of an unordered or ordered pair of integers, as a number in [0, 1). */
export function pairUnit(seed: number, a: number, b: number): number {
  let h = (seed ^ Math.imul(a + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h = (h ^ Math.imul(b + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
