/**
 * Hand-written SVG plots of benchmark results: detection-time CDF per strategy, false positives per
 * strategy, bytes per node against N. Pure string building; no dependencies.
 */
import type { RunResult } from './scenario.js';

const W = 840;
const H = 420;
const M = { left: 70, right: 260, top: 40, bottom: 50 };
const COLORS = ['#d62728', '#ff7f0e', '#1f77b4', '#7f7f7f', '#2ca02c', '#9467bd'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (r: RunResult): string =>
  r.preset === 'default' || r.preset === 'lan-defaults' ? r.strategy : `${r.strategy} (${r.preset})`;

function frame(title: string, body: string[], xLabel: string, yLabel: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="600">${esc(title)}</text>`,
    ...body,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

function legend(names: string[]): string[] {
  return names.map((name, i) => {
    const y = M.top + 10 + i * 20;
    const x = W - M.right + 15;
    return `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 20}" y="${y}">${esc(name)}</text>`;
  });
}

interface Scale {
  at(v: number): number;
  ticks: number[];
  fmt(v: number): string;
}

function linear(lo: number, hi: number, from: number, to: number, fmt: (v: number) => string): Scale {
  const step = niceStep((hi - lo) / 6);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(v);
  return { at: (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from), ticks, fmt };
}

function log10Scale(lo: number, hi: number, from: number, to: number): Scale {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) ticks.push(10 ** e);
  return {
    at: (v) => from + ((Math.log10(Math.max(v, 10 ** a)) - a) / (b - a || 1)) * (to - from),
    ticks,
    fmt: (v) => (v >= 1000 ? `${v / 1000}k` : String(v)),
  };
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function axes(x: Scale, y: Scale): string[] {
  const x0 = M.left;
  const x1 = W - M.right;
  const y0 = H - M.bottom;
  const y1 = M.top;
  const out = [
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#333"/>`,
  ];
  for (const t of x.ticks) {
    const px = x.at(t).toFixed(1);
    out.push(
      `<line x1="${px}" y1="${y0}" x2="${px}" y2="${y1}" stroke="#eee"/><text x="${px}" y="${y0 + 16}" text-anchor="middle">${x.fmt(t)}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = y.at(t).toFixed(1);
    out.push(
      `<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#eee"/><text x="${x0 - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${y.fmt(t)}</text>`,
    );
  }
  return out;
}

/** CDF of crash → failed-at-every-live-peer time, one line per strategy, for one profile and N. */
export function detectionCdfSvg(runs: RunResult[], profile: string, n: number): string {
  const chosen = runs.filter(
    (r) => r.profile === profile && r.n === n && r.topology === 'full' && r.samples.detectionAllMs.length > 0,
  );
  const maxMs = Math.max(1000, ...chosen.flatMap((r) => r.samples.detectionAllMs));
  const x = linear(0, maxMs / 1000, M.left, W - M.right, (v) => `${v}`);
  const y = linear(0, 1, H - M.bottom, M.top, (v) => v.toFixed(1));
  const body = axes(x, y);
  chosen.forEach((r, i) => {
    const s = [...r.samples.detectionAllMs].sort((a, b) => a - b);
    // Out of every crash: undetected ones (+∞) keep the curve below 1.
    const total = Math.max(s.length, r.detectionAllMs.count);
    const pts = [`${x.at(0).toFixed(1)},${y.at(0).toFixed(1)}`];
    s.forEach((v, k) => {
      pts.push(`${x.at(v / 1000).toFixed(1)},${y.at(k / total).toFixed(1)}`);
      pts.push(`${x.at(v / 1000).toFixed(1)},${y.at((k + 1) / total).toFixed(1)}`);
    });
    body.push(
      `<polyline fill="none" stroke-width="2" stroke="${COLORS[i % COLORS.length]}" points="${pts.join(' ')}"/>`,
    );
  });
  body.push(
    ...legend(
      chosen.map(
        (r) =>
          `${label(r)} (${r.detectionAllMs.count}${r.detectionAllMs.censored > 0 ? `, ${r.detectionAllMs.censored} undetected` : ''})`,
      ),
    ),
  );
  return frame(
    `Crash → failed at every live peer: CDF (${profile}, N=${n})`,
    body,
    'seconds after the crash',
    'share of crashes',
  );
}

/** False `suspected` per node-hour (log bars) with false `failed` counts, per profile and strategy, at one N. */
export function falsePositivesSvg(runs: RunResult[], n: number): string {
  const chosen = runs.filter((r) => r.n === n && r.topology === 'full');
  const profilesSeen = [...new Set(chosen.map((r) => r.profile))];
  const names = [...new Set(chosen.map(label))];
  const values = chosen.map((r) => r.falseSuspectedPerNodeHour).filter((v) => v > 0);
  const y = log10Scale(0.01, Math.max(1, ...values), H - M.bottom, M.top);
  const groupW = (W - M.left - M.right) / Math.max(1, profilesSeen.length);
  const barW = (groupW - 16) / Math.max(1, names.length);
  const body = axes({ at: () => M.left, ticks: [], fmt: String }, y);
  profilesSeen.forEach((p, g) => {
    const gx = M.left + g * groupW + 8;
    body.push(
      `<text x="${gx + (groupW - 16) / 2}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(p)}</text>`,
    );
    names.forEach((name, k) => {
      const r = chosen.find((run) => run.profile === p && label(run) === name);
      if (!r) return;
      const v = r.falseSuspectedPerNodeHour;
      const top = v > 0 ? y.at(v) : H - M.bottom;
      const bx = gx + k * barW;
      body.push(
        `<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(H - M.bottom - top).toFixed(1)}" fill="${COLORS[k % COLORS.length]}"/>`,
      );
      if (r.falseFailed > 0) {
        body.push(
          `<text x="${(bx + barW / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#b00">F${r.falseFailed}</text>`,
        );
      }
    });
  });
  body.push(...legend(names));
  body.push(
    `<text x="${W - M.right + 15}" y="${M.top + 20 * names.length + 24}" font-size="11" fill="#b00">F<i>k</i>: k false failed</text>`,
  );
  return frame(
    `False suspicions per node-hour (N=${n}; bars at 0.01 mean none)`,
    body,
    'profile',
    'false suspected / node-hour (log)',
  );
}

/** Mean payload bytes sent per node per second against N (log-log), one line per strategy. */
export function bytesVsNSvg(runs: RunResult[], profile: string): string {
  const chosen = runs.filter((r) => r.profile === profile);
  // pulsemesh runs on two topologies at N < 1000: one line each, so a line never changes topology.
  const lineOf = (r: RunResult): string =>
    r.strategy !== 'pulsemesh' ? label(r) : `${label(r)}, ${r.topology}`;
  const names = [...new Set(chosen.map(lineOf))];
  const ns = chosen.map((r) => r.n);
  const vals = chosen.map((r) => r.bytesPerNodePerSec.mean).filter((v) => v > 0);
  const x = log10Scale(Math.min(...ns, 10), Math.max(...ns, 100), M.left, W - M.right);
  const y = log10Scale(Math.min(10, ...vals), Math.max(100, ...vals), H - M.bottom, M.top);
  const body = axes(x, y);
  names.forEach((name, i) => {
    const pts = chosen
      .filter((r) => lineOf(r) === name)
      .sort((a, b) => a.n - b.n)
      .map((r) => [x.at(r.n), y.at(r.bytesPerNodePerSec.mean)] as const);
    const color = COLORS[i % COLORS.length];
    body.push(
      `<polyline fill="none" stroke-width="2" stroke="${color}" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [a, b] of pts)
      body.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3.5" fill="${color}"/>`);
  });
  body.push(...legend(names));
  return frame(
    `Bytes sent per node per second vs N (${profile})`,
    body,
    'N (peers, log)',
    'payload bytes / node / s (log)',
  );
}
