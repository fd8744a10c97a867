import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { daemonFlagsFor, daemonV8Flags } from './daemon-flags.js';

describe('daemonFlagsFor', () => {
  it('sets the daemon flags unless the user chose a compiler mode', () => {
    const table: [string[], readonly string[]][] = [
      [[], daemonV8Flags],
      [['--max-old-space-size=64', '--optimize-for-size', '--conditions=source'], daemonV8Flags],
      [['--lite-mode'], []],
      [['--no-lite-mode'], []],
      [['--lite_mode'], []],
      [['--jitless'], []],
      [['--no-opt'], []],
      [['--turbofan'], []],
      [['--no-maglev'], []],
      [['', '--sparkplug'], []],
    ];
    for (const [execArgv, flags] of table)
      expect(daemonFlagsFor(execArgv), execArgv.join(' ')).toEqual(flags);
  });
});

/**
 * In a real Node process: a regular expression compiled to machine code and a hot function, both
 * before `useDaemonFlags()`, then both used after it. Returns V8's optimization status bits of a
 * function made hot after the switch (`%GetOptimizationStatus`: 16 = optimized).
 */
function hotFunctionStatus(nodeFlags: string[]): number {
  const module = fileURLToPath(new URL('./daemon-flags.ts', import.meta.url));
  const script = `
    const re = /^(\\w+)-(\\d+)$/;
    for (let i = 0; i < 1e5; i++) re.exec('peer-' + i);
    const { useDaemonFlags } = await import(${JSON.stringify(module)});
    useDaemonFlags();
    for (let i = 0; i < 1e5; i++) if (re.exec('peer-' + i)?.[2] !== String(i)) throw new Error('regexp');
    const f = (x) => x * 2 + 1;
    let s = 0;
    for (let i = 0; i < 1e7; i++) s += f(i);
    console.log(new Function('f', 'return %GetOptimizationStatus(f)')(f));`;
  const out = execFileSync(
    process.execPath,
    // Optimizations compile on the main thread (not a background one that a loaded machine may
    // not run before the loop ends: CI saw `--opt` report "marked for concurrent", not optimized).
    [
      '--allow-natives-syntax',
      '--no-concurrent-recompilation',
      ...nodeFlags,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

describe('useDaemonFlags', () => {
  it('stops V8 optimizing in a running process (regexps compiled before keep working)', () => {
    const daemon = hotFunctionStatus([]);
    expect(daemon & 16, `status ${daemon.toString(2)}`).toBe(0);
  });

  it('leaves V8 alone when node was given a compiler flag', () => {
    const chosen = hotFunctionStatus(['--opt']);
    expect(chosen & 16, `status ${chosen.toString(2)}`).toBe(16);
  });
});
