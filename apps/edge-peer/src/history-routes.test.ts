import { describe, expect, it } from 'vitest';
import { DurableHistory, memoryHistoryBackend } from '@pulsemesh/webrtc';
import { historyRoute } from './history-routes.js';

async function history(): Promise<DurableHistory> {
  const h = await DurableHistory.open(memoryHistoryBackend());
  const mesh = Object.assign(new EventTarget(), { localId: 'edge-1' });
  h.attach(mesh);
  const atMs = performance.now() - 1_000;
  mesh.dispatchEvent(new CustomEvent('join', { detail: { peer: 'tab-1', atMs } }));
  await h.close();
  return h;
}

const get = (h: DurableHistory, url: string) => {
  const [path = '/', query = ''] = url.split('?', 2);
  return historyRoute(h, path, new URLSearchParams(query));
};

describe('history routes of the edge peer', () => {
  it('export the history as JSON and CSV and the analytics over the asked window', async () => {
    const h = await history();
    const json = get(h, '/history.json?window=week')!;
    expect(json).toMatchObject({ status: 200, type: 'application/json' });
    const doc = JSON.parse(json.body) as { format: string; window: string; records: { k: string }[] };
    expect(doc).toMatchObject({ format: 'pulsemesh-history-v1', window: 'week' });
    expect(doc.records.map((r) => r.k)).toEqual(['session', 'entry', 'mark']);
    expect(JSON.parse(get(h, '/history.json')!.body)).toMatchObject({ window: 'day' });

    const csv = get(h, '/history.csv')!;
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[2]).toMatch(/^entry,\d+,\S+Z,tab-1,join,,,$/);

    const hour = get(h, '/analytics.csv?window=hour')!.body.split('\r\n');
    expect(hour[0]).toMatch(/^# window \S+ \.\. \S+$/);
    const [from, to] = hour[0]!.slice('# window '.length).split(' .. ') as [string, string];
    expect(Date.parse(to) - Date.parse(from)).toBe(3_600_000);
    // Seen for a second: counts, but no availability/MTBF claimed (under the 10 min minimum).
    expect(hour[2]).toMatch(/^tab-1,\d+,0,0,0,,,,$/);
  });

  it('answers a bad window with 400 and leaves other paths alone', async () => {
    const h = await history();
    for (const url of ['/analytics.csv?window=year', '/history.json?window=', '/history.csv?window=%00'])
      expect(get(h, url)).toMatchObject({ status: 400, body: 'window must be one of hour, day, week\n' });
    expect(get(h, '/metrics')).toBeUndefined();
    expect(get(h, '/history.json/x')).toBeUndefined();
  });
});
