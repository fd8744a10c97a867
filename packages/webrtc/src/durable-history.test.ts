import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableHistory } from './durable-history.js';
import { analyticsToCsv, historyToCsv, historyToJson } from './history-export.js';
import { fileHistoryBackend } from './history-file.js';
import { wallNow } from './wall-clock.js';

/** A stand-in for a mesh: the recorder only listens to events and reads the incarnation. */
class FakeMesh extends EventTarget {
  incarnation = 0;
  constructor(readonly localId: string) {
    super();
  }
  localIncarnation(): number {
    return this.incarnation;
  }
  emit(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'pm18-history-'));
  dirs.push(d);
  return join(d, 'sub', 'history.jsonl');
}
const now = () => performance.now();

describe('DurableHistory with the file backend (edge peers)', () => {
  it('a restart keeps the history and resumes above the last incarnation', async () => {
    const path = tmpFile();
    const first = await DurableHistory.open(fileHistoryBackend(path));
    expect(first.startIncarnation).toBe(0);
    const mesh = new FakeMesh('edge-1');
    first.attach(mesh);
    mesh.emit('join', { peer: 'p', atMs: now() });
    mesh.emit('status-change', {
      peer: 'p',
      from: 'healthy',
      to: 'failed',
      reason: 'suspicion-timeout',
      atMs: now(),
    });
    mesh.emit('reap', {
      peer: 'p',
      ended: 'failed',
      reason: 'suspicion-timeout',
      endedAtMs: now(),
      atMs: now(),
    });
    mesh.incarnation = 3;
    await first.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${path}.incarnation`, 'utf8').trim()).toBe('3');
    // A torn last line (a crash mid-write) is skipped, not fatal.
    appendFileSync(path, '{"k":"entry","atMs":');
    const second = await DurableHistory.open(fileHistoryBackend(path));
    expect(second.startIncarnation).toBe(4);
    expect(second.records().map((r) => r.k)).toEqual(['session', 'entry', 'entry', 'reap', 'mark']);
    expect(second.pastMembers()).toMatchObject([{ peer: 'p', ended: 'failed' }]);
    const report = second.analytics('hour');
    expect(report.peers).toMatchObject([{ peer: 'p', failures: 1 }]);
    expect(report.claims['p']).toBe(false);
    expect(report.toMs - report.fromMs).toBe(3_600_000);
  });

  it('is bounded by count (compacted in place) and by age', async () => {
    const path = tmpFile();
    const h = await DurableHistory.open(fileHistoryBackend(path), { recordsMax: 10 });
    const mesh = new FakeMesh('edge-1');
    h.attach(mesh);
    for (let i = 0; i < 30; i++) mesh.emit('join', { peer: `p${i}`, atMs: now() });
    await h.close();
    expect(h.records().filter((r) => r.k !== 'mark').length).toBeLessThanOrEqual(10);
    expect(h.records().filter((r) => r.k === 'entry').length).toBeGreaterThan(0);
    const reopened = await DurableHistory.open(fileHistoryBackend(path), { recordsMax: 10 });
    expect(reopened.records()).toEqual(h.records());
    const aged = await DurableHistory.open(fileHistoryBackend(path), { ageMaxMs: -1 });
    expect(aged.records()).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it("an idle peer's marks do not push a week of transitions out (marks are bounded by age only)", async () => {
    // 6.9 days ago a session began and 30 peers joined; since then only a mark every 15 s (39,744
    // of them, twice the count bound): the week window must still hold the joins and the session.
    const path = tmpFile();
    const start = wallNow() - 6.9 * 24 * 3_600_000;
    const lines = [JSON.stringify({ k: 'session', atMs: start, observer: 'edge-1' })];
    for (let i = 0; i < 30; i++)
      lines.push(JSON.stringify({ k: 'entry', atMs: start + 1, peer: `p${i}`, kind: 'join' }));
    for (let t = start + 15_000; t < wallNow(); t += 15_000)
      lines.push(JSON.stringify({ k: 'mark', atMs: t }));
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${lines.join('\n')}\n`);
    const h = await DurableHistory.open(fileHistoryBackend(path));
    expect(h.records().length).toBe(lines.length);
    const week = h.analytics('week');
    expect(Object.keys(week.claims).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`).sort());
    expect(Object.values(week.claims).every(Boolean)).toBe(true);
    // A history over the count bound in transitions is still cut to it, marks aside.
    const small = await DurableHistory.open(fileHistoryBackend(path), { recordsMax: 10 });
    expect(small.records().filter((r) => r.k !== 'mark').length).toBeLessThanOrEqual(10);
    expect(small.records().filter((r) => r.k === 'mark').length).toBeGreaterThan(30_000);
  });

  it('exports JSON and CSV; CSV leaves out figures under the minimum observation', async () => {
    const h = await DurableHistory.open(fileHistoryBackend(tmpFile()));
    const mesh = new FakeMesh('edge-1');
    h.attach(mesh);
    // Joined a second ago: observed time > 0 (a peer seen for no time at all has no row).
    mesh.emit('join', { peer: 'a,"b"', atMs: now() - 1_000 });
    await h.close();
    const csv = historyToCsv(h.records());
    expect(csv.split('\r\n')[0]).toBe('kind,atMs,atIso,peer,event,from,to,reason');
    expect(csv).toContain('"a,""b"""');
    const report = analyticsToCsv(h.analytics('day'));
    expect(report).toMatch(/^# window \S+ \.\. \S+\r\npeer,observedMs,/);
    expect(report.split('\r\n')[2]).toMatch(/^"a,""b""",\d+,0,0,0,,,,$/);
    const json = JSON.parse(historyToJson(h, 'week')) as {
      format: string;
      window: string;
      records: unknown[];
    };
    expect(json).toMatchObject({ format: 'pulsemesh-history-v1', window: 'week' });
    expect(json.records).toHaveLength(h.records().length);
  });

  it('a second close adds nothing (a page hidden after a crash does not extend the observation)', async () => {
    const h = await DurableHistory.open(fileHistoryBackend(tmpFile()));
    h.attach(new FakeMesh('tab-1'));
    await h.close();
    const kept = h.records().length;
    await h.close();
    expect(h.records()).toHaveLength(kept);
  });
});
