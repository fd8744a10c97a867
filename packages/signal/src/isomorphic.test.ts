// The client entry (`@pulsemesh/signal`) must run in browsers: it and everything it imports stay
// off Node built-ins, `ws`, pino, prom-client and ioredis. Walks the real import graph from index.ts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const forbidden = /^(node:|ws$|pino|prom-client|ioredis|fs$|path$|crypto$|net$|http$)/;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

describe('isomorphic entry', () => {
  it('index.ts reaches no Node-only module', () => {
    const seen = new Set<string>();
    const stack = [join(here, 'index.ts')];
    const bad: string[] = [];
    while (stack.length > 0) {
      const file = stack.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) stack.push(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else if (forbidden.test(spec)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(seen.size).toBeGreaterThan(4);
    expect([...seen].some((f) => f.includes('/server/'))).toBe(false);
    expect(bad).toEqual([]);
  });
});
