import { svg, type SVGTemplateResult } from 'lit';

/** Samples drawn at most (the newest are kept). */
const samplesMax = 30;

/**
 * A small inline SVG polyline of recent samples (e.g. RTT in ms), scaled to its own min..max.
 * Decorative (`aria-hidden`): the numbers it summarises are shown next to it.
 */
export function sparkline(samples: readonly number[], widthPx = 64, heightPx = 18): SVGTemplateResult {
  const values = samples.slice(-samplesMax);
  if (values.length < 2) {
    return svg`<svg class="spark" width=${widthPx} height=${heightPx} aria-hidden="true"></svg>`;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const stepX = (widthPx - 2) / (values.length - 1);
  const points = values
    .map(
      (v, i) =>
        `${(1 + i * stepX).toFixed(1)},${(heightPx - 2 - ((v - min) / span) * (heightPx - 4)).toFixed(1)}`,
    )
    .join(' ');
  return svg`<svg class="spark" width=${widthPx} height=${heightPx} aria-hidden="true"
    focusable="false"><polyline points=${points} fill="none" stroke="currentColor"
    stroke-width="1.3" stroke-linejoin="round" stroke-linecap="round"/></svg>`;
}
