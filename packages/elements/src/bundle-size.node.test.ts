// The bundle budget (scripts/bundle-size.mjs) is part of the test suite: elements without the
// detector stay under 30 KB gzip.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('bundle size', () => {
  it('keeps @pulsemesh/elements under 30 KB gzip', async () => {
    const script = fileURLToPath(new URL('../../../scripts/bundle-size.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script]);
    console.log(stdout.trim());
    const bytes = Number(stdout.match(/bundle-size: elements (\d+) bytes gzip/)?.[1]);
    expect(bytes).toBeGreaterThan(10_000); // it measured something real
    expect(bytes).toBeLessThan(30 * 1024);
  });
});
