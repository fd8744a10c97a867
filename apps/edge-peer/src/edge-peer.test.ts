// Edge peer processes (the real CLI, spawned) in a mesh with an in-process observer, over a real
// signaling server: SIGKILL → failed everywhere (measured), SIGTERM → left + exit 0, /metrics,
// /healthz; a restart with kept files keeps the id and the history (/history.json, CSV exports).
// Run through scripts/netns.sh.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateOf, TestRoom, until } from '@pulsemesh/webrtc/testing';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const fastFlags = [
  '--probe-interval-ms=200',
  '--probe-interval-ms-min=100',
  '--probe-interval-ms-max=200',
  '--probe-timeout-ms-max=100',
  '--suspicion-mult=3',
];

interface Child {
  id: string;
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

/** Spawns the CLI as `id` (`--id`), or, with `identity=true`, with the extra args' kept identity. */
function spawnEdgePeer(url: string, room: string, id: string, extra: string[] = [], identity = false): Child {
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', main, `--signal=${url}`, `--room=${room}`]
      .concat(identity ? [] : [`--id=${id}`])
      .concat(['--json', '--bind-address=127.0.0.1', '--metrics-port=0'], fastFlags, extra),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${id}] ${chunk.toString()}`));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { id, proc, lines, exit };
}

/** The last state a child reported for `peer` in its JSON status-change lines. */
function childState(child: Child, peer: string): string | undefined {
  const changes = child.lines.filter((l) => l['type'] === 'status-change' && l['peer'] === peer);
  return changes.at(-1)?.['to'] as string | undefined;
}

/** Polls an async check every 50 ms, up to 10 s. */
async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const start = performance.now(); !(await check()); await new Promise((r) => setTimeout(r, 50)))
    if (performance.now() - start > 10_000) throw new Error(`timed out after 10 s waiting for ${what}`);
}

let room: TestRoom;
let children: Child[] = [];
let attempts = 0;

beforeAll(async () => {
  room = await TestRoom.start('edge-room');
});

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await room.close();
});

// retry: a loaded CI machine once missed the SIGTERM goodbye (the goodbye could be lost when the
// process exited 20 ms after handing it to SCTP; `leave()` now waits for the links to close) — kept
// as a guard against load, with the states in the error if it happens again.
describe('edge peer CLI processes', { retry: 1 }, () => {
  it('joins the mesh; SIGKILL → failed at every other peer; SIGTERM → left and exit 0', async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    // A retry starts over in a fresh room: the first attempt's observer and peers, under the same
    // ids, are still members of the old one (a retry there could never converge).
    if (attempts++ > 0) {
      await room.close();
      room = await TestRoom.start(`edge-room-${attempts}`);
    }
    const observer = room.join('observer');
    children = ['edge-1', 'edge-2', 'edge-3'].map((id) => spawnEdgePeer(room.url, room.room, id));
    const ids = children.map((c) => c.id);
    await until(
      () => ids.every((id) => stateOf(observer, id) === 'healthy'),
      20_000,
      'observer sees all healthy',
    );
    await until(
      () =>
        children.every((c) =>
          ids.concat('observer').every((id) => id === c.id || childState(c, id) !== 'failed'),
        ),
      1_000,
      'no failures',
    );

    // /metrics and /healthz of edge-1.
    const start = children[0]!.lines.find((l) => l['type'] === 'start')!;
    const base = `http://127.0.0.1:${String(start['metricsPort'])}`;
    const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', id: 'edge-1', signal: 'connected' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/pulsemesh_peers\{state="healthy"\} [1-9]/);
    expect(metrics).toMatch(/pulsemesh_bytes_sent_total [1-9]/);
    expect(metrics).toContain('pulsemesh_rtt_ms_bucket');
    // Honest peers spend none of each other's budgets (decision 0050).
    for (const kind of [
      'ping-throttled',
      'session-refused',
      'channel-refused',
      'link-displaced',
      'relay-job-refused',
      'ping-req-to-self',
    ])
      expect(metrics).toContain(`pulsemesh_member_input_refused_total{kind="${kind}"} 0`);
    // Every open link by its path: on loopback host (or prflx, when a check beats a candidate), UDP.
    const byPath = [...metrics.matchAll(/pulsemesh_links_by_path\{kind="(\w+)",protocol="(\w+)"\} (\d+)/g)];
    expect(byPath.reduce((n, m) => n + Number(m[3]), 0)).toBe(
      Number(/pulsemesh_links (\d+)/.exec(metrics)?.[1]),
    );
    expect(byPath.every((m) => ['host', 'prflx'].includes(m[1]!) && m[2] === 'udp')).toBe(true);

    // SIGKILL edge-3: no goodbye; everyone else must mark it failed.
    const killedAt = performance.now();
    children[2]!.proc.kill('SIGKILL');
    const survivors = children.slice(0, 2);
    await until(
      () =>
        stateOf(observer, 'edge-3') === 'failed' &&
        survivors.every((c) => childState(c, 'edge-3') === 'failed'),
      // Generous: the time is a benchmark's business (scripts/bench-mesh.ts); this asserts the verdict.
      30_000,
      'edge-3 failed everywhere',
    );
    console.log(`SIGKILL → failed at all 3 others in ${(performance.now() - killedAt).toFixed(0)} ms`);

    // SIGTERM edge-2: goodbye, exit 0, left everywhere.
    const termAt = performance.now();
    children[1]!.proc.kill('SIGTERM');
    expect(await children[1]!.exit).toBe(0);
    await until(
      () => stateOf(observer, 'edge-2') === 'left' && childState(children[0]!, 'edge-2') === 'left',
      // Generous: `left` comes from the goodbye, not a timer; the bound only keeps a lost goodbye
      // (the state would stay `healthy` or turn `failed`, never `left`) from hanging the run.
      10_000,
      'edge-2 left everywhere',
    ).catch((e: Error) => {
      // Say what each one saw instead (the flake's cause is not known yet).
      const seen = `observer: ${JSON.stringify(observer.history('edge-2').slice(-4))}; edge-1: ${JSON.stringify(
        children[0]!.lines.filter((l) => l['peer'] === 'edge-2').slice(-4),
      )}`;
      throw new Error(`${e.message}; ${seen}`);
    });
    console.log(`SIGTERM → left at both others in ${(performance.now() - termAt).toFixed(0)} ms`);
    expect(children[1]!.lines.at(-1)?.['type']).toBe('stop');
  });
});

describe('edge peer --json: a failed peer whose signaling session is open', () => {
  it('reads unreachable (view) with the verdict failed (to), and failed once its session ends', async () => {
    const observer = room.join('obs-u');
    const mute = room.join('mute-u');
    const child = spawnEdgePeer(room.url, room.room, 'edge-u');
    children.push(child);
    const viewLines = (type: string) =>
      child.lines.filter((l) => l['type'] === type && l['peer'] === 'mute-u');
    try {
      await until(
        () => stateOf(observer, 'edge-u') === 'healthy' && stateOf(mute, 'edge-u') === 'healthy',
        20_000,
        'the others see edge-u healthy',
      );
      const start = child.lines.find((l) => l['type'] === 'start')!;
      const base = `http://127.0.0.1:${String(start['metricsPort'])}`;
      const unreachableMetric = async () =>
        Number(
          /^pulsemesh_peers_unreachable (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1],
        );

      // mute-u stops sending (every outbound detector message dropped) but stays in the room.
      mute.faults.setDropRate(1);
      await until(() => childState(child, 'mute-u') === 'failed', 30_000, 'edge-u sees mute-u failed');
      expect(viewLines('status-change').at(-1)).toMatchObject({ to: 'failed', view: 'unreachable' });
      expect(viewLines('view-change')).toEqual([]);
      // /metrics and /healthz say the same (polled: read in another process than the JSON line).
      await untilAsync(async () => (await unreachableMetric()) === 1, '/metrics: 1 unreachable');
      const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
      expect(health['unreachable']).toBe(1);

      // Its signaling socket goes too (a crash): the server ends its session, the view turns failed.
      mute.faults.crash();
      await until(() => viewLines('view-change').length > 0, 20_000, 'edge-u: view-change for mute-u');
      expect(viewLines('view-change')).toEqual([
        expect.objectContaining({ peer: 'mute-u', state: 'failed', from: 'unreachable', to: 'failed' }),
      ]);
      await untilAsync(async () => (await unreachableMetric()) === 0, '/metrics: 0 unreachable');
      // The healthy observer was never anything but healthy to edge-u.
      expect(childState(child, 'obs-u') ?? 'healthy').toBe('healthy');
    } finally {
      child.proc.kill('SIGKILL');
      observer.close();
      mute.close();
    }
  });
});

describe('edge peer restart with --identity-file (history kept next to it)', () => {
  it('comes back under the same id, one incarnation up, with its history; exports it over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm18-edge-'));
    const files = [`--identity-file=${join(dir, 'key')}`];
    const observer = room.join('observer-r');
    const run = async (): Promise<{ child: Child; id: string; base: string }> => {
      const child = spawnEdgePeer(room.url, room.room, 'kept', files, true);
      children.push(child);
      await until(() => child.lines.some((l) => l['type'] === 'start'), 20_000, 'edge peer started');
      const start = child.lines.find((l) => l['type'] === 'start')!;
      const id = String(start['self']);
      await until(() => stateOf(observer, id) === 'healthy', 20_000, `observer sees ${id} healthy`);
      const seen = () => child.lines.some((l) => l['type'] === 'join' && l['peer'] === 'observer-r');
      await until(seen, 20_000, 'it sees the observer join');
      return { child, id, base: `http://127.0.0.1:${String(start['metricsPort'])}` };
    };
    try {
      const first = await run();
      expect(first.id).toMatch(/^k[a-z2-7]{24}$/);
      const firstIncarnation = observer.peers().find((p) => p.id === first.id)!.incarnation;
      first.child.proc.kill('SIGTERM');
      expect(await first.child.exit).toBe(0);
      await until(() => stateOf(observer, first.id) === 'left', 10_000, 'observer sees it left');

      const second = await run();
      expect(second.id).toBe(first.id);
      expect(observer.peers().find((p) => p.id === first.id)!.incarnation).toBeGreaterThan(firstIncarnation);
      // The same member returned (left → healthy), not a second join.
      const story = observer.history(first.id).map((e) => (e.kind === 'status-change' ? e.to : e.kind));
      expect(story.filter((k) => k === 'join')).toHaveLength(1);
      expect(story.slice(story.indexOf('left'))).toContain('healthy');

      const doc = (await (await fetch(`${second.base}/history.json?window=hour`)).json()) as {
        window: string;
        records: { k: string; peer?: string }[];
      };
      expect(doc.window).toBe('hour');
      expect(doc.records.filter((r) => r.k === 'session')).toHaveLength(2);
      // What the first run saw of the observer is still there, before the second session.
      const secondSession = doc.records.map((r) => r.k).lastIndexOf('session');
      expect(doc.records.slice(0, secondSession).filter((r) => r.peer === 'observer-r')).not.toEqual([]);
      const csv = await fetch(`${second.base}/history.csv`);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect((await csv.text()).split('\r\n')[0]).toBe('kind,atMs,atIso,peer,event,from,to,reason');
      const analytics = await (await fetch(`${second.base}/analytics.csv?window=day`)).text();
      expect(analytics).toMatch(/\r\nobserver-r,\d+,/);
      expect((await fetch(`${second.base}/analytics.csv?window=year`)).status).toBe(400);
      expect(readFileSync(join(dir, 'key.history.jsonl'), 'utf8')).toContain('"observer-r"');
      second.child.proc.kill('SIGTERM');
      expect(await second.child.exit).toBe(0);
    } finally {
      observer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
