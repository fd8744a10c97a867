// The real-mesh floors (scripts/bench-mesh.floors.ts) on mesh.json-shaped entries.
import { describe, expect, it } from 'vitest';
import { meshFloors, type MeshEntry } from '../scripts/bench-mesh.floors.js';

const kill = (scenario: string, p50: number, max: number, samples = 10): MeshEntry => ({
  scenario,
  samples,
  ms: { p50, max },
  falseFailed: 0,
  durationS: 30,
});
const verdict = (entries: MeshEntry[], id: string) => meshFloors(entries).find((f) => f.id === id)?.pass;

describe('meshFloors', () => {
  it('judges crash detection on p50 and max, with 10 samples', () => {
    expect(verdict([kill('renderer-crash', 500, 1_000)], 'mesh-renderer-crash')).toBe(true);
    expect(verdict([kill('renderer-crash', 501, 900)], 'mesh-renderer-crash')).toBe(false);
    expect(verdict([kill('renderer-crash', 400, 1_001)], 'mesh-renderer-crash')).toBe(false);
    expect(verdict([kill('renderer-crash', 400, 900, 8)], 'mesh-renderer-crash')).toBe(false);
    expect(verdict([kill('hang', 2_500, 9_000)], 'mesh-hang')).toBe(true);
    expect(verdict([kill('tab-close', 100, 501)], 'mesh-tab-close')).toBe(false);
  });

  it('calls a missing scenario unjudgeable, never a pass', () => {
    expect(verdict([], 'mesh-node-sigkill')).toBeNull();
  });

  it('fails a quiet scenario on one false failed, a short soak, or a tab that was not hidden', () => {
    const quiet = (scenario: string, notes: Record<string, unknown>, durationS = 1_800): MeshEntry => ({
      ...kill(scenario, 0, 0, 0),
      durationS,
      notes,
    });
    expect(verdict([quiet('freeze-1000', { freezes: 10 })], 'mesh-freeze-1000')).toBe(true);
    expect(verdict([{ ...quiet('freeze-1000', { freezes: 10 }), falseFailed: 1 }], 'mesh-freeze-1000')).toBe(
      false,
    );
    expect(verdict([quiet('soak', {})], 'mesh-soak')).toBe(true);
    expect(verdict([quiet('soak', {}, 370)], 'mesh-soak')).toBe(false);
    const hidden = {
      visibilityState: 'hidden',
      hiddenS: 360,
      probesSentWhileHidden: 1_751,
      failedAboutHiddenTab: 0,
    };
    expect(verdict([quiet('hidden-6min', hidden)], 'mesh-hidden-6min')).toBe(true);
    expect(
      verdict([quiet('hidden-6min', { ...hidden, visibilityState: 'visible' })], 'mesh-hidden-6min'),
    ).toBe(false);
  });
});
