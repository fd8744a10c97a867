// The browser entry builds with Vite's defaults (plus the workspace's `source` condition): no
// Node polyfills, no `define`, no aliases, and no Node built-in stubbed out.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, defaultClientConditions, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

describe('browser entry', () => {
  it('bundles with Vite defaults and pulls in no Node built-in', async () => {
    // Inside the package, so `@pulsemesh/webrtc` resolves by self-reference like for a consumer.
    const root = fileURLToPath(new URL(`../.vite-check-${process.pid}/`, import.meta.url));
    mkdirSync(root, { recursive: true });
    try {
      writeFileSync(`${root}index.html`, '<!doctype html><script type="module" src="./main.ts"></script>\n');
      writeFileSync(
        `${root}main.ts`,
        "import { createMesh } from '@pulsemesh/webrtc';\nconsole.log(createMesh({ signalUrl: 'ws://x', room: 'r' }).localId);\n",
      );
      const warnings: string[] = [];
      const result = (await build({
        root,
        logLevel: 'silent',
        resolve: { conditions: ['source', ...defaultClientConditions] },
        build: { write: false, rollupOptions: { onwarn: (w) => void warnings.push(w.message) } },
      })) as Rollup.RollupOutput;
      const js = result.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
      expect(js.length).toBeGreaterThan(0);
      const code = js.map((c) => c.code).join('\n');
      expect(code).not.toContain('__vite-browser-external');
      expect(code).toContain('pulsemesh-heartbeat');
      expect(warnings.filter((w) => /externalized|browser compatibility/i.test(w))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
