/**
 * How the simulator's journal writes message bytes and event details (split from `simulator.ts`):
 * compact and stable, so the same seed gives the same lines.
 */

/** FNV-1a of the bytes (a message's fingerprint in a `recv` line). */
export function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193) >>> 0;
  return h >>> 0;
}

/** JSON with numbers rounded to 3 decimals (an event's detail in an `event` line). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(3)) : v));
}
