// The real processes of bench-real-peers.ts: one member process of either system (its event lines
// parsed into observations of the others), a cluster of one system, and how each system starts.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { SECOND_HAND_REASONS } from '../../packages/sim/src/metrics.js';

export const log = (msg: string): void =>
  console.error(`[real-peers ${new Date().toISOString().slice(11, 19)}] ${msg}`);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What an observer saw about a target, normalized across both systems. */
export interface Observation {
  t: number;
  observer: string;
  target: string;
  /** up: joined or trusted again; down: declared dead; accuse: suspected on its own evidence. */
  kind: 'up' | 'down' | 'accuse';
  /** pulsemesh: the reason of the status change (`witnessed`, `suspicion-timeout`, …). */
  reason?: string;
}

/** A diagnostic line of an edge peer run with `--diag` (`edge-peer-diag.ts`): `witness`, `verdict`, `stall`. */
export interface DiagLine {
  t: number;
  type: 'witness' | 'verdict' | 'stall';
  [field: string]: unknown;
}
const DIAG_TYPES = new Set(['witness', 'verdict', 'stall']);

export type SystemName = 'memberlist' | 'pulsemesh';

/** One running member process. */
export class Member {
  readonly seen: Observation[] = [];
  /** Diagnostic lines (edge peers run with `--diag` only). */
  readonly diag: DiagLine[] = [];
  readonly exited: Promise<void>;
  dead = false;
  private buffer = '';
  constructor(
    readonly system: SystemName,
    readonly id: string,
    readonly proc: ChildProcess,
    parse: (line: Record<string, unknown>) => Observation | undefined,
  ) {
    proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const fields = JSON.parse(line) as Record<string, unknown>;
        if (DIAG_TYPES.has(String(fields['type']))) {
          this.diag.push({ ...fields, t: Date.parse(String(fields['ts'])) } as DiagLine);
          continue;
        }
        const o = parse(fields);
        if (o && o.target !== this.id) this.seen.push(o);
      }
    });
    proc.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      if (!/ExperimentalWarning|--trace-warnings/.test(text)) process.stderr.write(`[${id}] ${text}`);
    });
    this.exited = new Promise((r) =>
      proc.on('exit', (code, signal) => {
        // A member that dies on its own (a crash, a start-up that never settles: exit code 13 is an
        // unsettled top-level await) would otherwise only show as a cluster that never converges.
        if (!this.dead) log(`${id} exited on its own (code ${code}, signal ${signal})`);
        r();
      }),
    );
  }

  /** The observer's current view of `target`. */
  view(target: string): 'up' | 'down' | undefined {
    for (let i = this.seen.length - 1; i >= 0; i--) {
      const o = this.seen[i] as Observation;
      if (o.target === target && o.kind !== 'accuse') return o.kind;
    }
    return undefined;
  }
}

/** A cluster of one system: starts members, kills them, replaces them. */
export class Cluster {
  readonly live = new Map<string, Member>();
  readonly all: Member[] = [];
  private seq = 0;
  constructor(
    readonly system: SystemName,
    private readonly start: (id: string, k: number, seedAddr: string | undefined) => Member,
  ) {}

  add(): Member {
    const k = this.seq++;
    const id = `${this.system === 'memberlist' ? 'm' : 'p'}${k}`;
    const m = this.start(id, k, k === 0 ? undefined : 'seed');
    this.live.set(id, m);
    this.all.push(m);
    return m;
  }

  converged(): boolean {
    const ids = [...this.live.keys()];
    for (const m of this.live.values())
      if (ids.some((id) => id !== m.id && m.view(id) !== 'up')) return false;
    return true;
  }

  kill(m: Member): void {
    m.dead = true;
    this.live.delete(m.id);
    m.proc.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    for (const m of this.all)
      if (!m.dead) {
        m.dead = true;
        m.proc.kill('SIGKILL');
      }
    await Promise.all(this.all.map((m) => m.exited));
    this.live.clear();
  }
}

const ML_PORT_BASE = 17_000;
/** memberlist nodes (bench/memberlist), the first one the join seed. */
export function memberlistCluster(bin: string): Cluster {
  return new Cluster('memberlist', (id, k, seed) => {
    const args = ['-name', id, '-port', String(ML_PORT_BASE + k)];
    if (seed !== undefined) args.push('-join', `127.0.0.1:${ML_PORT_BASE}`);
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Member('memberlist', id, proc, (l) => {
      const kind = { join: 'up', leave: 'down', suspect: 'accuse' }[String(l['ev'])] as
        Observation['kind'] | undefined;
      if (kind === undefined || typeof l['node'] !== 'string') return undefined;
      return { t: Number(l['t']), observer: id, target: l['node'], kind };
    });
  });
}

/** Edge peers started with `node ...entry`, one signaling server at `signalUrl`. */
export function pulsemeshCluster(entry: string[], signalUrl: string): Cluster {
  return new Cluster('pulsemesh', (id) => {
    // Default preset: no detector flag at all.
    const args = [
      ...entry,
      `--signal=${signalUrl}`,
      '--room=pm14-real',
      `--id=${id}`,
      '--json',
      '--bind-address=127.0.0.1',
    ];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Member('pulsemesh', id, proc, (l) => {
      const t = Date.parse(String(l['ts']));
      const target = l['peer'];
      if (typeof target !== 'string') return undefined;
      if (l['type'] === 'join') return { t, observer: id, target, kind: 'up' };
      if (l['type'] !== 'status-change') return undefined;
      const to = String(l['to']);
      const from = String(l['from']);
      if (to === 'failed' || to === 'left')
        return { t, observer: id, target, kind: 'down', reason: String(l['reason']) };
      if (to === 'healthy') return { t, observer: id, target, kind: 'up' };
      if (to === 'suspected' && from !== 'failed' && !SECOND_HAND_REASONS.has(String(l['reason'])))
        return { t, observer: id, target, kind: 'accuse' };
      return undefined;
    });
  });
}
