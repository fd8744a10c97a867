import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importClosure, importSpecifiers } from '../scripts/import-closure.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'closure-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('importSpecifiers', () => {
  it('finds static, type-only, re-export, side-effect and dynamic imports, not comments', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "import {\n  g,\n  h,\n} from '@pulsemesh/core';",
      "// import { x } from './commented.js';",
      "/** import { y } from './doc.js' */",
      "const s = 'not an import from here';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      './e.js',
      './f.js',
      '@pulsemesh/core',
    ]);
  });
});

describe('importClosure', () => {
  it('follows relative imports and workspace packages by their source export, not third-party ones', () => {
    const root = tree({
      'packages/core/package.json': JSON.stringify({
        name: '@pulsemesh/core',
        exports: { '.': { source: './src/index.ts' }, './runtime': { source: './src/runtime.ts' } },
      }),
      'packages/core/src/index.ts': "export * from './detector.js';",
      'packages/core/src/detector.ts': "import { x } from 'some-dependency';",
      'packages/core/src/runtime.ts': "import { d } from './detector.js';",
      'packages/sim/bin/bench.ts': "import { a } from '../src/a.js';\nimport 'node:fs';",
      'packages/sim/src/a.ts': "import { Detector } from '@pulsemesh/core';",
      'packages/sim/src/unused.ts': '',
    });
    expect(importClosure(root, ['packages/sim/bin/bench.ts'])).toEqual([
      'packages/core/src/detector.ts',
      'packages/core/src/index.ts',
      'packages/sim/bin/bench.ts',
      'packages/sim/src/a.ts',
    ]);
  });

  it('throws on a relative import that resolves to nothing, so a wrong closure cannot pass', () => {
    const root = tree({ 'a.ts': "import { b } from './missing.js';" });
    expect(() => importClosure(root, ['a.ts'])).toThrow(/cannot resolve \.\/missing\.js/);
  });

  it('the simulator benchmark loads core and sim but not the real runtimes', () => {
    const closure = importClosure(ROOT, ['packages/sim/bin/bench.ts']);
    expect(closure).toContain('packages/core/src/detector.ts');
    expect(closure).toContain('packages/core/src/witness.ts');
    expect(closure).toContain('packages/sim/src/simulator.ts');
    expect(closure).not.toContain('packages/core/src/runtime.ts');
    expect(closure.filter((f) => f.startsWith('packages/webrtc/'))).toEqual([]);
  });
});
