// Incidents over a real BroadcastChannel (Node has one): two tabs of one "browser" in one process.
import { afterEach, describe, expect, it } from 'vitest';
import { describeIncident } from './incident-view.js';
import { Incidents } from './incidents.js';

const open: Incidents[] = [];
const tab = (id: string, room: string): Incidents => {
  const incidents = new Incidents(id, room);
  open.push(incidents);
  return incidents;
};
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

afterEach(() => {
  for (const incidents of open.splice(0)) incidents.close();
});

describe('Incidents', () => {
  it('times an announced crash from the announcement to every other tab marking it failed', async () => {
    const room = `r-${Math.random()}`;
    const a = tab('tab-a', room);
    const b = tab('tab-b', room);
    const c = tab('tab-c', room);
    await until(() => a.otherTabs() === 2 && b.otherTabs() === 2);
    c.announce('crash');
    await until(() => a.list().length === 1);
    a.observe('tab-c', 'suspected');
    a.observe('tab-c', 'failed');
    b.observe('tab-c', 'failed');
    await until(() => a.list()[0]?.marked.size === 2);
    const incident = a.list()[0]!;
    expect(incident.tabsExpected).toBe(2);
    const line = describeIncident(incident, 'tab-a', Date.now());
    expect(line.headline).toBe('tab-c crashed');
    expect(line.tone).toBe('bad');
    expect(line.details[0]).toMatch(/^this tab: failed after \d/);
    expect(line.details[1]).toMatch(/^every tab of this browser \(2\): failed after \d/);
  });

  it('a freeze nobody failed reads as within the tolerance once it is over', async () => {
    const room = `r-${Math.random()}`;
    const a = tab('tab-a', room);
    a.announce('freeze', 500);
    const incident = a.list()[0]!;
    expect(describeIncident(incident, 'tab-a', Date.now()).tone).toBe('pending');
    const later = describeIncident(incident, 'tab-a', Date.now() + 10_000);
    expect(later.tone).toBe('good');
    expect(later.details[0]).toMatch(/nobody marked it failed/);
  });

  it('an unannounced failure is timed from when the peer went silent (last heard), not the first suspicion', async () => {
    const room = `r-${Math.random()}`;
    const a = tab('tab-a', room);
    const b = tab('tab-b', room);
    await until(() => a.otherTabs() === 1);
    const now = Date.now();
    // tab-a heard edge-1 last 1.2 s ago, tab-b 1.0 s ago: it went silent about 1.0 s ago.
    a.observe('edge-1', 'suspected', now - 1_200);
    b.observe('edge-1', 'failed', now - 1_000);
    a.observe('edge-1', 'failed', now - 1_200);
    await until(() => a.list()[0]?.marked.size === 2);
    const incident = a.list()[0]!;
    expect(incident.lastHeardAtMs).toBe(now - 1_000);
    const line = describeIncident(incident, 'tab-a', Date.now());
    expect(line.headline).toBe('edge-1 went silent (no goodbye, no announcement)');
    const [here, everyone, how] = line.details;
    const seconds = (text: string | undefined): number => Number(/after ([\d.]+) s/.exec(text ?? '')?.[1]);
    expect(seconds(here)).toBeGreaterThanOrEqual(1);
    expect(seconds(here)).toBeLessThan(1.5);
    expect(seconds(everyone)).toBeGreaterThanOrEqual(1);
    expect(how).toMatch(/last heard/);
  });

  it('a peer that said goodbye without announcing (another browser, an edge peer) left, not went silent', () => {
    const a = tab('tab-a', `r-${Math.random()}`);
    a.observe('tab-x', 'left', Date.now());
    const line = describeIncident(a.list()[0]!, 'tab-a', Date.now());
    expect(line.headline).not.toMatch(/silent/);
    expect(line.headline).toMatch(/^tab-x said goodbye and left/);
    expect(line.tone).toBe('neutral');
    expect(line.details[0]).toMatch(/^this tab: left after/);
  });

  it('a close announced after its goodbye was seen (the mesh says goodbye first) is one incident: a close', async () => {
    const room = `r-${Math.random()}`;
    const a = tab('tab-a', room);
    const c = tab('tab-c', room);
    await until(() => a.otherTabs() === 1);
    a.observe('tab-c', 'left', Date.now());
    c.announce('close');
    await until(() => a.list()[0]?.fault !== undefined);
    expect(a.list()).toHaveLength(1);
    const incident = a.list()[0]!;
    expect(incident.fault!.atMs).toBeLessThanOrEqual(incident.firstSeenAtMs);
    const line = describeIncident(incident, 'tab-a', Date.now());
    expect(line.headline).toBe('tab-c closed its tab');
    expect(line.tone).toBe('neutral');
    expect(line.details[0]).toMatch(/^this tab: left after 0 s/);
  });

  it('a peer failed, back, then gone again is two incidents (a goodbye is not lost in the first)', () => {
    const a = tab('tab-a', `r-${Math.random()}`);
    a.observe('tab-x', 'failed', Date.now() - 1_000);
    a.observe('tab-x', 'left', Date.now());
    expect(a.list()).toHaveLength(2);
    expect(describeIncident(a.list()[0]!, 'tab-a', Date.now()).headline).toMatch(/^tab-x said goodbye/);
    expect(describeIncident(a.list()[1]!, 'tab-a', Date.now()).headline).toMatch(/^tab-x went silent/);
  });

  it('an unannounced failure starts at the first observation and is bounded in number', async () => {
    const a = tab('tab-a', `r-${Math.random()}`);
    for (let i = 0; i < 30; i++) a.observe(`edge-${i}`, 'failed');
    expect(a.list()).toHaveLength(12);
    const line = describeIncident(a.list()[0]!, 'tab-a', Date.now());
    expect(line.headline).toMatch(/edge-29 went silent/);
  });
  it('a liar flagged by two tabs is one incident of its own, apart from faults of that peer', async () => {
    const room = `r-${Math.random()}`;
    const a = tab('tab-a', room);
    const b = tab('tab-b', room);
    await until(() => a.otherTabs() === 1);
    a.observe('kliar', 'suspected');
    a.flagLiar('kliar', 'refuted-accusation');
    b.flagLiar('kliar', 'refuted-accusation');
    await until(() => a.list().find((i) => i.liar)?.liar?.flaggedBy.size === 2);
    expect(a.list()).toHaveLength(2); // the suspicion's incident stays its own
    const line = describeIncident(
      a.list().find((i) => i.liar)!,
      'tab-a',
      Date.now(),
    );
    expect(line.headline).toBe('kliar was flagged as a liar');
    expect(line.tone).toBe('bad');
    expect(line.details).toEqual([
      'it kept accusing live peers, and they answered the checks',
      'flagged by this tab and 1 more of this browser',
      'its accusations are checked before anyone believes them, and throttled',
    ]);
    a.observe('kliar', 'failed');
    expect(a.list().find((i) => i.liar)!.marked.size).toBe(0);
  });
});
