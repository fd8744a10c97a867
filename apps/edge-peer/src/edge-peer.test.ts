// Edge peer processes (the real CLI, spawned) in a mesh with an in-process observer, over a real
// signaling server: SIGKILL → failed everywhere (measured), SIGTERM → left + exit 0, /metrics,
// /healthz. Run through scripts/netns.sh.
import { spawn, type ChildProcess } from 'node:child_process';
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

function spawnEdgePeer(url: string, room: string, id: string): Child {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      main,
      `--signal=${url}`,
      `--room=${room}`,
      `--id=${id}`,
    ].concat(['--json', '--bind-address=127.0.0.1', '--metrics-port=0'], fastFlags),
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

let room: TestRoom;
let children: Child[] = [];

beforeAll(async () => {
  room = await TestRoom.start('edge-room');
});

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await room.close();
});

describe('edge peer CLI processes', () => {
  it('joins the mesh; SIGKILL → failed at every other peer; SIGTERM → left and exit 0', async () => {
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
    ).catch((err: unknown) => {
      const seen = [stateOf(observer, 'edge-3'), ...survivors.map((c) => childState(c, 'edge-3'))];
      throw new Error(`${String(err)} (observer, edge-1, edge-2: ${seen.map(String).join(', ')})`);
    });
    console.log(`SIGKILL → failed at all 3 others in ${(performance.now() - killedAt).toFixed(0)} ms`);

    // SIGTERM edge-2: goodbye, exit 0, left everywhere.
    const termAt = performance.now();
    children[1]!.proc.kill('SIGTERM');
    expect(await children[1]!.exit).toBe(0);
    await until(
      () => stateOf(observer, 'edge-2') === 'left' && childState(children[0]!, 'edge-2') === 'left',
      // Generous: `left` comes from the goodbye, not a timer; the bound only keeps a lost goodbye
      // (which would leave the state `healthy` or `failed`, never `left`) from hanging the run.
      10_000,
      'edge-2 left everywhere',
    ).catch((err: unknown) => {
      const seen = `observer: ${String(stateOf(observer, 'edge-2'))}, edge-1: ${String(childState(children[0]!, 'edge-2'))}`;
      console.log("edge-1's last lines:", JSON.stringify(children[0]!.lines.slice(-15)));
      throw new Error(`${String(err)} (${seen})`);
    });
    console.log(`SIGTERM → left at both others in ${(performance.now() - termAt).toFixed(0)} ms`);
    expect(children[1]!.lines.at(-1)?.['type']).toBe('stop');
  });
});
