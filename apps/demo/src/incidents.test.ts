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

  it('an unannounced failure starts at the first observation and is bounded in number', async () => {
    const a = tab('tab-a', `r-${Math.random()}`);
    for (let i = 0; i < 30; i++) a.observe(`edge-${i}`, 'failed');
    expect(a.list()).toHaveLength(12);
    const line = describeIncident(a.list()[0]!, 'tab-a', Date.now());
    expect(line.headline).toMatch(/edge-29 went silent/);
  });
});
