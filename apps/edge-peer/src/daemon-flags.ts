/**
 * V8 settings for the edge peer's bin: a small daemon that runs for days and does little per second
 * (a few probes and acks), so it trades V8's peak speed for memory (decision 0025).
 *
 * No optimizing compilers (TurboFan, Sparkplug) and V8's memory-saving heuristics. At N = 10 this cut
 * an edge peer's RSS from 66.2 to 61.2 MiB and its USS from 16.4 to 15.2 MiB (fewer pages of the node
 * binary touched, no optimized code), with CPU no higher (1.18 → 1.07 % of a core; the main thread
 * runs native sends and short handlers). Ed25519 runs in OpenSSL (`node:crypto`), not in JS.
 *
 * The bin is started as `node main.js` as often as through its shebang, so the flags are set from
 * inside, before the rest of the peer is loaded (`main.ts` imports it dynamically afterwards). Only
 * flags V8 reads at each decision are set this way: not `--lite-mode`/`--jitless`, which imply
 * `--regexp-interpret-all`, and a regular expression compiled to machine code before the switch
 * then crashes the interpreter (seen: SIGSEGV in `IrregexpInterpreter::MatchInternal`). A compiler
 * flag the user passed to `node` (or in `NODE_OPTIONS`) wins: nothing is set then.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags the bin sets for itself. */
export const daemonV8Flags = ['--no-opt', '--no-sparkplug', '--optimize-for-size'] as const;

/**
 * Node/V8 flags (as in `process.execArgv`) that mean the user chose the compiler mode: with one of
 * them, the bin leaves V8 alone.
 */
const userChoice = /^--(no-)?(lite[-_]mode|jitless|opt|maglev|sparkplug|turbofan)(=|$)/;

/** The flags to set, given the runtime's `execArgv`: none when the user chose a compiler mode. */
export function daemonFlagsFor(execArgv: readonly string[]): readonly string[] {
  return execArgv.some((a) => userChoice.test(a)) ? [] : daemonV8Flags;
}

/** This process's Node flags: its command line's and `NODE_OPTIONS`'. */
function nodeFlags(): string[] {
  return [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
}

/** Sets {@link daemonFlagsFor}`(execArgv)` in this process's V8; returns what it set. */
export function useDaemonFlags(execArgv: readonly string[] = nodeFlags()): readonly string[] {
  const flags = daemonFlagsFor(execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
