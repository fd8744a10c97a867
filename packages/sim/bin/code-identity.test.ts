import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { codeIdentity } from './code-identity.js';

const SIM = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(SIM, '../..');
const made: string[] = [];

/** A checkout at a temp root: packages/core/src, packages/sim/src, sim's core link to `coreFrom` (default its own). */
function checkout(coreSource: string, coreFrom?: string): { root: string; sim: string; core: string } {
  const root = mkdtempSync(join(tmpdir(), 'code-identity-'));
  made.push(root);
  const core = join(root, 'packages', 'core');
  const sim = join(root, 'packages', 'sim');
  mkdirSync(join(core, 'src'), { recursive: true });
  mkdirSync(join(sim, 'src'), { recursive: true });
  mkdirSync(join(sim, 'node_modules', '@pulsemesh'), { recursive: true });
  writeFileSync(join(core, 'src', 'index.ts'), coreSource);
  writeFileSync(join(sim, 'src', 'scenario.ts'), 'export const run = 1;\n');
  symlinkSync(coreFrom ?? '../../../core', join(sim, 'node_modules', '@pulsemesh', 'core'));
  return { root, sim, core };
}

afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('codeIdentity', () => {
  it('this checkout runs its own core', () => {
    const id = codeIdentity(ROOT, SIM);
    expect(id.coreOutsideRoot).toBe(false);
    expect(id.coreDir).toBe(join(ROOT, 'packages', 'core'));
    expect(id.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a core linked in from another tree is flagged and changes the hash (decision 0046)', () => {
    const other = checkout('export const v = 2;\n');
    const own = checkout('export const v = 1;\n');
    const borrowed = checkout('export const v = 1;\n', other.core);
    const a = codeIdentity(own.root, own.sim);
    const b = codeIdentity(borrowed.root, borrowed.sim);
    expect(a.coreOutsideRoot).toBe(false);
    expect(b.coreOutsideRoot).toBe(true);
    expect(b.coreDir).toBe(other.core);
    expect(b.sourceSha256).not.toBe(a.sourceSha256);
    // Same source in two places is the same code.
    expect(codeIdentity(other.root, other.sim).sourceSha256).toBe(b.sourceSha256);
  });

  it('hashes source, not tests: a test file changes nothing, a source edit does', () => {
    const c = checkout('export const v = 1;\n');
    const before = codeIdentity(c.root, c.sim).sourceSha256;
    writeFileSync(join(c.sim, 'src', 'scenario.test.ts'), 'it;\n');
    expect(codeIdentity(c.root, c.sim).sourceSha256).toBe(before);
    writeFileSync(join(c.core, 'src', 'index.ts'), 'export const v = 3;\n');
    expect(codeIdentity(c.root, c.sim).sourceSha256).not.toBe(before);
  });
});
