// A plain-text account of what every field peer saw in a window: every status change (with from,
// reason and time), every link change, TURN usernames handed out, each tab's main-thread stalls and
// detector-clock late ticks, what each observer knew of the others, and the machine's load and this
// process's scheduling. Failure messages print it whole, so a failed run says whether a suspicion
// came with a link going down, a stall at either end, or a starved machine (test/README.md).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { FieldPeer } from './peers.js';

const round = (x: number): number => Math.round(x * 100) / 100;

/** This process's session scheduling: its autogroup and nice (`nice` alone does nothing across sessions). */
function scheduling(): string {
  try {
    return `${readFileSync('/proc/self/autogroup', 'utf8').trim()}, process nice ${readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[16]}`;
  } catch {
    return 'unknown';
  }
}

/** The 1/5/15-minute load averages now. */
export const loadNow = (): number[] => loadavg().map(round);

/**
 * Everything `peers` recorded since `sinceMs` (times as seconds after it), one line per fact.
 * `loadAtStart` is the load average when the window began.
 */
export async function windowReport(
  peers: FieldPeer[],
  sinceMs: number,
  loadAtStart: number[],
): Promise<string> {
  const at = (t: number): string => {
    const s = (t - sinceMs) / 1000;
    return `${s >= 0 ? '+' : ''}${s.toFixed(2)} s`;
  };
  const lines = [
    `window: ${new Date(sinceMs).toISOString()} for ${((Date.now() - sinceMs) / 1000).toFixed(1)} s; ` +
      `load average ${loadAtStart.join('/')} at start, ${loadNow().join('/')} now; this process: ${scheduling()}`,
  ];
  for (const p of peers) {
    const [transitions, links, turnUsers, stalls, stats, view] = await Promise.all([
      p.transitions(),
      p.linkChanges(),
      p.turnUsers(),
      p.stalls(),
      p.stats(),
      p.view().catch((error: unknown) => String(error)),
    ]);
    lines.push(`${p.id} (${p.kind}):`);
    const changes = transitions.filter((t) => t.t >= sinceMs);
    lines.push(
      `  status changes (${changes.length}): ${changes.map((t) => `${at(t.t)} ${t.peer} ${t.from}→${t.to} (${t.reason ?? '?'})`).join('; ') || 'none'}`,
    );
    const linked = links.filter((c) => c.t >= sinceMs);
    lines.push(
      `  link changes (${linked.length}): ${linked.map((c) => `${at(c.t)} ${c.peer} ${c.up ? 'up' : 'down'}`).join('; ') || 'none'}`,
    );
    if (p.kind === 'edge') {
      lines.push('  (edge peer: no stall, TURN or stats instrumentation in this harness)');
    } else {
      lines.push(
        `  TURN usernames: ${turnUsers.map((u) => `${at(u.t)} ${u.username}`).join(', ') || 'none'}`,
      );
      const late = (xs: { t: number; lateMs: number }[]): string =>
        xs
          .filter((x) => x.t >= sinceMs)
          .map((x) => `${at(x.t)} ${x.lateMs} ms`)
          .join(', ') || 'none';
      lines.push(`  main-thread stalls ≥ 50 ms: ${late(stalls.stalls)}`);
      lines.push(`  detector clock late ticks ≥ 50 ms: ${late(stalls.tickLate)}`);
      lines.push(
        `  deadlines overdue ≥ 50 ms: ${
          stalls.overdue
            .filter((x) => x.t >= sinceMs)
            .map((x) => `${at(x.t)} ${x.overdueMs} ms (previous poll ${x.previousMs} ms)`)
            .join(', ') || 'none'
        }`,
      );
      lines.push(`  knows of the others (RTT, reported loadMs, lifecycle): ${JSON.stringify(stats)}`);
    }
    lines.push(`  view now: ${JSON.stringify(view)}`);
  }
  return lines.join('\n');
}
