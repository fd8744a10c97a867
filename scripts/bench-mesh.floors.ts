/**
 * The real-mesh floors of issue #13 (8 Chromium tabs + 4 edge peers, stock defaults), judged on
 * `bench-results/mesh.json` by `pnpm bench:check`. Each kill scenario needs its 10 samples; a
 * scenario missing from the file is unjudgeable (null), never a pass.
 */
import type { FloorResult } from '../packages/sim/src/floors.js';

/** One `mesh.json` entry, as far as the floors read it. */
export interface MeshEntry {
  scenario: string;
  samples: number;
  ms: { p50: number; max: number };
  falseFailed: number;
  durationS: number;
  notes?: Record<string, unknown>;
}

/** Samples a kill scenario needs (the issue: 10 per scenario). */
export const MESH_SAMPLES_MIN = 10;

const detection = (
  scenario: string,
  to: string,
  p50MaxMs: number | undefined,
  maxMaxMs: number | undefined,
): ((e: MeshEntry) => Omit<FloorResult, 'id' | 'preset' | 'floor'>) => {
  return (e) => ({
    pass:
      e.samples >= MESH_SAMPLES_MIN &&
      e.falseFailed === 0 &&
      (p50MaxMs === undefined || e.ms.p50 <= p50MaxMs) &&
      (maxMaxMs === undefined || e.ms.max <= maxMaxMs),
    measured: `${scenario} → ${to}: p50 ${e.ms.p50} ms, max ${e.ms.max} ms over ${e.samples} samples, ${e.falseFailed} false failed`,
  });
};

interface Spec {
  scenario: string;
  floor: string;
  judge(e: MeshEntry): Omit<FloorResult, 'id' | 'preset' | 'floor'>;
}

const specs: Spec[] = [
  {
    scenario: 'node-sigkill',
    floor: 'edge peer SIGKILL → failed at every peer: p50 ≤ 0.5 s, max ≤ 1 s (10 samples)',
    judge: detection('SIGKILL', 'failed', 500, 1_000),
  },
  {
    scenario: 'renderer-crash',
    floor: 'renderer crash (CDP Page.crash) → failed at every peer: p50 ≤ 0.5 s, max ≤ 1 s (10 samples)',
    judge: detection('renderer crash', 'failed', 500, 1_000),
  },
  {
    scenario: 'hang',
    floor: 'hang (links silent, signaling open) → failed at every peer: p50 ≤ 2.5 s (10 samples)',
    judge: detection('hang', 'failed', 2_500, undefined),
  },
  {
    scenario: 'tab-close',
    floor: 'tab close → left at every peer ≤ 0.5 s (every sample; 10 samples)',
    judge: detection('tab close', 'left', undefined, 500),
  },
  ...[500, 1000, 1500].map((ms) => ({
    scenario: `freeze-${ms}`,
    floor: `a tab's main thread frozen ${ms / 1000} s (10 times): 0 failed`,
    judge: (e: MeshEntry) => {
      const freezes = Number(e.notes?.['freezes'] ?? 0);
      return {
        pass: e.falseFailed === 0 && freezes >= MESH_SAMPLES_MIN,
        measured: `${freezes} freezes of ${ms} ms: ${e.falseFailed} false failed`,
      };
    },
  })),
  {
    scenario: 'hidden-6min',
    floor: 'one tab hidden 6 min: never failed, still probing',
    judge: (e) => {
      const n = e.notes ?? {};
      const hiddenS = Number(n['hiddenS'] ?? 0);
      const probes = Number(n['probesSentWhileHidden'] ?? 0);
      return {
        pass:
          e.falseFailed === 0 &&
          n['failedAboutHiddenTab'] === 0 &&
          n['visibilityState'] === 'hidden' &&
          hiddenS >= 360 &&
          probes > 0,
        measured: `${String(n['visibilityState'])} ${hiddenS} s: ${probes} probes sent, failed ${String(n['failedAboutHiddenTab'])} times, ${e.falseFailed} false failed`,
      };
    },
  },
  {
    scenario: 'soak',
    floor: '30-minute soak, nothing killed: 0 false failed',
    judge: (e) => ({
      pass: e.falseFailed === 0 && e.durationS >= 1_800,
      measured: `soak: ${e.falseFailed} false failed in ${e.durationS} s`,
    }),
  },
];

/** Every real-mesh floor's verdict on `mesh.json`'s entries. */
export function meshFloors(entries: readonly MeshEntry[]): FloorResult[] {
  return specs.map((s) => {
    const e = entries.find((x) => x.scenario === s.scenario);
    const base = { id: `mesh-${s.scenario}`, preset: 'default', floor: s.floor };
    if (e === undefined) return { ...base, pass: null, measured: `no ${s.scenario} entry` };
    return { ...base, ...s.judge(e) };
  });
}
