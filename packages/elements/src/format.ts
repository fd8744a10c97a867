/** Number formatting shared by the elements. Pure functions; see `format.test.ts`. */

/** What a figure that is undefined (or not claimed, see `MIN_OBSERVED_MS`) shows: an em dash. */
export const NONE = '—';

const secondMs = 1_000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/** A duration in ms as a short human string with two units at most: `850 ms`, `12 s`, `3 m 20 s`, `2 h 5 m`, `4 d 3 h`. {@link NONE} when undefined or not finite. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return NONE;
  const abs = Math.max(0, ms);
  if (abs < secondMs) return `${Math.round(abs)} ms`;
  if (abs < minuteMs) return `${Math.floor(abs / secondMs)} s`;
  if (abs < hourMs) return twoUnits(abs, minuteMs, 'm', secondMs, 's');
  if (abs < dayMs) return twoUnits(abs, hourMs, 'h', minuteMs, 'm');
  return twoUnits(abs, dayMs, 'd', hourMs, 'h');
}

function twoUnits(ms: number, bigMs: number, big: string, smallMs: number, small: string): string {
  const whole = Math.floor(ms / bigMs);
  const rest = Math.floor((ms - whole * bigMs) / smallMs);
  return rest === 0 ? `${whole} ${big}` : `${whole} ${big} ${rest} ${small}`;
}

/** Milliseconds with a precision that suits the magnitude: `0.42 ms`, `4.2 ms`, `42 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return NONE;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** A ratio in [0, 1] as a percentage with `digits` decimals: `formatRatio(0.9876, 1)` → `98.8%`. */
export function formatRatio(ratio: number | undefined, digits = 1): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return NONE;
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** A plain number with at most `digits` decimals, trailing zeros dropped: `1.50` → `1.5`. */
export function formatNumber(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return NONE;
  return String(Number(value.toFixed(digits)));
}

/** Clock time of a detector timestamp relative to `nowMs`, for a timeline: `12 s ago`. */
export function formatAgo(atMs: number, nowMs: number): string {
  const ago = nowMs - atMs;
  return ago < secondMs ? 'just now' : `${formatDuration(ago)} ago`;
}
