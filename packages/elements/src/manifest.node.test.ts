// The committed custom-elements.json must be what the analyzer generates from the current source
// (`pnpm --filter @pulsemesh/elements analyze` regenerates it).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('custom-elements.json', () => {
  it('is up to date with the source and lists every element with its API', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pulse-cem-'));
    // Same config as `pnpm analyze` (custom-elements-manifest.config.mjs); the analyzer joins
    // --outdir to its working directory, so pass it relative.
    await promisify(execFile)(
      join(packageDir, 'node_modules/.bin/cem'),
      ['analyze', '--outdir', relative(packageDir, outdir)],
      { cwd: packageDir },
    );
    const fresh = readFileSync(join(outdir, 'custom-elements.json'), 'utf8');
    const committed = readFileSync(join(packageDir, 'custom-elements.json'), 'utf8');
    expect(JSON.parse(committed), 'run: pnpm --filter @pulsemesh/elements analyze').toEqual(
      JSON.parse(fresh),
    );

    type Decl = {
      tagName?: string;
      events?: { name: string }[];
      cssParts?: unknown[];
      cssProperties?: unknown[];
    };
    const manifest = JSON.parse(fresh) as { modules: { declarations?: Decl[] }[] };
    const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
    expect(elements.map((d) => d.tagName).sort()).toEqual([
      'pulse-analytics',
      'pulse-health',
      'pulse-mesh',
      'pulse-past-members',
      'pulse-peer-table',
      'pulse-timeline',
      'pulse-topology',
    ]);
    for (const el of elements) {
      expect(el.events?.length, `${el.tagName} events`).toBeGreaterThan(0);
      expect(el.cssParts?.length, `${el.tagName} parts`).toBeGreaterThan(0);
      expect(el.cssProperties?.length, `${el.tagName} css properties`).toBeGreaterThan(10);
    }
  });
});
