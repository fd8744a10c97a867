import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { replayWindow, WINDOW_MS, type AnalyticsWindow, type HistoryRecord } from '@pulsemesh/core';
import { DurableHistory, memoryHistoryBackend } from '@pulsemesh/webrtc';
import type { HistoryView } from './history-view.js';
import './pulse-analytics.js';
import type { PulseAnalytics } from './pulse-analytics.js';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { renderedAfter } from './testing/rendered.js';

const hourMs = 3_600_000;
const card = (el: PulseAnalytics, label: string) =>
  [...el.shadowRoot!.querySelectorAll('.card')]
    .find((c) => c.querySelector('dt')?.textContent === label)
    ?.querySelector('dd')?.textContent;
const row = (el: PulseAnalytics, peer: string) =>
  [...(el.shadowRoot?.querySelector(`tr[data-peer="${peer}"]`)?.children ?? [])].map((c) =>
    c.textContent?.replace(/\s+/g, ' ').trim(),
  );

/** alpha: up 2 h, down 1 h, up 1 h (one failure, one recovery); bravo: never fails. */
function recorded() {
  const mesh = new RecordedMesh({ localId: 'me' });
  mesh.join('alpha');
  mesh.join('bravo');
  mesh.advance(2 * hourMs);
  mesh.setState('alpha', 'failed');
  mesh.advance(hourMs);
  mesh.setState('alpha', 'healthy');
  mesh.advance(hourMs);
  return mesh;
}

describe('<pulse-analytics>', () => {
  it('renders the cluster summary and per-peer MTBF, MTTR, availability and failures/day', async () => {
    const el = await fixture<PulseAnalytics>(html`<pulse-analytics .mesh=${recorded()}></pulse-analytics>`);
    expect(card(el, 'Availability')).to.equal('87.50%'); // Σ up / Σ observed: (3 h + 4 h) / 8 h
    expect(card(el, 'MTBF')).to.equal('7 h'); // 7 h up in total / 1 failure
    expect(card(el, 'MTTR')).to.equal('1 h');
    expect(card(el, 'Failures')).to.equal('1');
    expect(card(el, 'Recoveries')).to.equal('1');
    expect(card(el, 'Failures / day')).to.equal('6'); // 1 failure in 4 h
    expect(row(el, 'alpha')).to.deep.equal(['alpha', '75.00%', '1', '6', '3 h', '1 h', '1 h']);
    expect(row(el, 'bravo')).to.deep.equal(['bravo', '100.00%', '0', '0', '—', '—', '0 ms']);
  });

  it('updates when a peer fails, least available first, and fires peer-select', async () => {
    const mesh = recorded();
    const el = await fixture<PulseAnalytics>(html`<pulse-analytics .mesh=${mesh}></pulse-analytics>`);
    await renderedAfter(el, () => {
      mesh.setState('bravo', 'failed');
      mesh.advance(3 * hourMs);
      mesh.setState('bravo', 'recovering');
    });
    expect(card(el, 'Failures')).to.equal('2');
    const first = el.shadowRoot!.querySelector('tbody tr')!;
    expect(first.getAttribute('data-peer')).to.equal('bravo'); // 4/7 available
    setTimeout(() => first.querySelector('button')!.click());
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer: 'bravo' });
  });

  it('shows — where a figure rests on less than 10 min of observation, not "1,440 failures a day"', async () => {
    const mesh = new RecordedMesh({ localId: 'me' });
    mesh.join('alpha');
    mesh.advance(60_000);
    mesh.setState('alpha', 'failed');
    mesh.advance(30_000);
    const el = await fixture<PulseAnalytics>(html`<pulse-analytics .mesh=${mesh}></pulse-analytics>`);
    expect(row(el, 'alpha')).to.deep.equal(['alpha', '—', '1', '—', '—', '—', '30 s']);
    expect(card(el, 'Availability')).to.equal('—');
    expect(card(el, 'Failures / day')).to.equal('—');
    expect(card(el, 'Failures')).to.equal('1');
    // The session is the only window without a kept history.
    const select = el.shadowRoot!.querySelector<HTMLSelectElement>('[part="window"] select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal(['session']);
    expect(select.disabled).to.equal(true);
  });

  it('reads "gone", not "0 ms", for the downtime of a failed peer reaped without coming back', async () => {
    const mesh = recorded(); // alpha: one outage of 1 h, recovered; bravo never failed
    mesh.join('charlie');
    mesh.advance(hourMs);
    mesh.setState('charlie', 'failed');
    mesh.setState('alpha', 'failed');
    mesh.advance(30_000);
    mesh.reap('charlie');
    mesh.reap('alpha');
    const el = await fixture<PulseAnalytics>(html`<pulse-analytics .mesh=${mesh}></pulse-analytics>`);
    const downtime = (peer: string) => el.shadowRoot!.querySelector(`tr[data-peer="${peer}"] td:last-child`)!;
    expect(downtime('charlie').textContent!.trim()).to.equal('gone');
    expect(downtime('charlie').getAttribute('title')).to.contain('not counted');
    expect(downtime('alpha').textContent!.trim()).to.equal('1 h + gone'); // its earlier outage counts
    expect(downtime('bravo').textContent!.trim()).to.equal('0 ms');
    expect(downtime('bravo').hasAttribute('title')).to.equal(false);
  });

  it('with a kept history: offers hour, day and week, shows the window, reads the history', async () => {
    const now = Date.now();
    // Two sessions of this observer: alpha up 5 h, then failed 30 min ago (session 2).
    const records: HistoryRecord[] = [
      { k: 'session', atMs: now - 6 * hourMs, observer: 'me' },
      { k: 'entry', atMs: now - 6 * hourMs, peer: 'alpha', kind: 'join' },
      { k: 'mark', atMs: now - hourMs },
      { k: 'session', atMs: now - hourMs, observer: 'me' },
      { k: 'entry', atMs: now - hourMs, peer: 'alpha', kind: 'join' },
      {
        k: 'entry',
        atMs: now - hourMs / 2,
        peer: 'alpha',
        kind: 'status-change',
        from: 'healthy',
        to: 'failed',
      },
    ];
    const history: HistoryView = {
      analytics: (w: AnalyticsWindow) =>
        replayWindow([...records, { k: 'mark', atMs: now }], now - WINDOW_MS[w], now),
      pastMembers: () => [],
    };
    const el = await fixture<PulseAnalytics>(
      html`<pulse-analytics window="hour" .mesh=${new RecordedMesh()} .history=${history}></pulse-analytics>`,
    );
    const bar = el.shadowRoot!.querySelector('[part="window"]')!;
    const select = bar.querySelector('select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal(['session', 'hour', 'day', 'week']);
    expect(select.value).to.equal('hour');
    const times = [...bar.querySelectorAll('time')].map((t) => Date.parse(t.getAttribute('datetime')!));
    expect(times[1]! - times[0]!).to.equal(hourMs);
    expect(row(el, 'alpha')).to.deep.equal(['alpha', '50.00%', '1', '24', '30 m', '—', '30 m']);

    select.value = 'day';
    setTimeout(() => select.dispatchEvent(new Event('change')));
    expect((await oneEvent(el, 'window-change')).detail).to.deep.equal({ window: 'day' });
    await el.updateComplete;
    expect(el.getAttribute('window')).to.equal('day');
    // 5 h up (first session) + 30 min up + 30 min down: 5.5 of 6 h observed (nothing in between).
    expect(row(el, 'alpha')[1]).to.equal('91.67%');
  });

  it("downloads the kept history as JSON and CSV (the edge peer's exports), analytics over the window shown", async () => {
    const history = await DurableHistory.open(memoryHistoryBackend());
    const observer = Object.assign(new EventTarget(), { localId: 'tab-me' });
    history.attach(observer);
    // Joined a second ago: a row with counts, nothing claimed under the minimum observation.
    const atMs = performance.now() - 1_000;
    observer.dispatchEvent(new CustomEvent('join', { detail: { peer: 'tab-1', atMs } }));
    await history.close();
    const el = await fixture<PulseAnalytics>(
      html`<pulse-analytics window="week" .mesh=${new RecordedMesh()} .history=${history}></pulse-analytics>`,
    );
    // The real download path: a link to a Blob, clicked. Caught here (its default, the download,
    // prevented) and its content read back from the link's URL.
    const clicked: HTMLAnchorElement[] = [];
    const onClick = (e: Event): void => {
      const link = e.composedPath()[0];
      if (!(link instanceof HTMLAnchorElement) || !link.download) return;
      e.preventDefault();
      clicked.push(link);
    };
    document.addEventListener('click', onClick, true);
    const download = async (kind: string) => {
      el.shadowRoot!.querySelector<HTMLButtonElement>(`[data-export="${kind}"]`)!.click();
      const link = clicked.at(-1)!;
      return { name: link.download, body: await (await fetch(link.href)).text() };
    };
    try {
      const json = await download('json');
      expect(json.name).to.equal('pulsemesh-history-tab-me-week.json');
      const doc = JSON.parse(json.body) as { format: string; window: string; records: { k: string }[] };
      expect(doc.format).to.equal('pulsemesh-history-v1');
      expect(doc.window).to.equal('week');
      expect(doc.records.map((r) => r.k)).to.deep.equal(['session', 'entry', 'mark']);

      const csv = await download('history-csv');
      expect(csv.name).to.equal('pulsemesh-history-tab-me.csv');
      const lines = csv.body.split('\r\n');
      expect(lines[0]).to.equal('kind,atMs,atIso,peer,event,from,to,reason');
      expect(lines[2]).to.match(/^entry,\d+,\S+Z,tab-1,join,,,$/);

      const analytics = await download('analytics-csv');
      expect(analytics.name).to.equal('pulsemesh-analytics-tab-me-week.csv');
      const rows = analytics.body.split('\r\n');
      const [from, to] = rows[0]!.slice('# window '.length).split(' .. ') as [string, string];
      expect(Date.parse(to) - Date.parse(from)).to.equal(7 * 24 * hourMs);
      expect(rows[2]).to.match(/^tab-1,\d+,0,0,0,,,,$/);
      expect(clicked).to.have.length(3);
    } finally {
      document.removeEventListener('click', onClick, true);
    }
  });

  it('offers no export without a kept history that exports', async () => {
    const el = await fixture<PulseAnalytics>(html`<pulse-analytics .mesh=${recorded()}></pulse-analytics>`);
    expect(el.shadowRoot!.querySelector('[data-export]')).to.equal(null);
  });

  it('says more columns are to the right when narrower than its table (420 px), and keeps its legend in view', async () => {
    const shown = async (widthPx: number) => {
      const box = await fixture<HTMLDivElement>(
        html`<div style="width:${widthPx}px"><pulse-analytics .mesh=${recorded()}></pulse-analytics></div>`,
      );
      const el = box.querySelector('pulse-analytics')!;
      await el.updateComplete;
      const wrap = el.shadowRoot!.querySelector<HTMLElement>('.wrap')!;
      const hint = el.shadowRoot!.querySelector<HTMLElement>('[part="hint"]')!;
      // The table's legend wraps within the box instead of running off with the table.
      const legend = el.shadowRoot!.querySelector('.cap')!.getBoundingClientRect();
      return {
        clipped: wrap.scrollWidth > wrap.clientWidth,
        hint: getComputedStyle(hint).display !== 'none' && hint.getBoundingClientRect().height > 0,
        legendInside: legend.right <= wrap.getBoundingClientRect().right,
      };
    };
    expect(await shown(420)).to.deep.equal({ clipped: true, hint: true, legendInside: true });
    expect(await shown(1_000)).to.deep.equal({ clipped: false, hint: false, legendInside: true });
  });

  it('passes axe in light and dark themes', async () => {
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulseAnalytics>(
        html`<pulse-analytics theme=${theme} .mesh=${recorded()}></pulse-analytics>`,
      );
      await expect(el).to.be.accessible();
    }
  });
});
