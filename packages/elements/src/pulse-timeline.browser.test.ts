import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import './pulse-timeline.js';
import type { PulseTimeline } from './pulse-timeline.js';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { renderedAfter } from './testing/rendered.js';

const lines = (el: PulseTimeline) =>
  [...(el.shadowRoot?.querySelectorAll('li .what') ?? [])].map((w) =>
    w.textContent?.replace(/\s+/g, ' ').trim(),
  );

function recorded() {
  const mesh = new RecordedMesh({ localId: 'me' });
  mesh.join('alpha');
  mesh.advance(1_000);
  mesh.join('bravo');
  mesh.advance(5_000);
  mesh.setState('alpha', 'suspected', 'no ack');
  mesh.advance(3_000);
  mesh.setState('alpha', 'failed', 'suspicion timeout');
  mesh.setProtocolPeriod(1_500, 'local health');
  mesh.advance(60_000);
  mesh.leave('bravo');
  mesh.advance(2_000);
  return mesh;
}

describe('<pulse-timeline>', () => {
  it('lists the history newest first with times and reasons', async () => {
    const el = await fixture<PulseTimeline>(html`<pulse-timeline .mesh=${recorded()}></pulse-timeline>`);
    expect(lines(el)).to.deep.equal([
      'bravo left',
      'Probe period changed',
      'alpha suspected → failed',
      'alpha healthy → suspected',
      'bravo joined',
      'alpha joined',
    ]);
    const first = el.shadowRoot?.querySelector('li');
    expect(first?.querySelector('time')?.textContent?.trim()).to.equal('2 s ago');
    expect(el.shadowRoot?.textContent).to.contain('1000 → 1500 ms: local health');
    expect(el.shadowRoot?.textContent).to.contain('suspicion timeout');
  });

  it('filters by peer (attribute and input) and fires filter-change', async () => {
    const mesh = recorded();
    const el = await fixture<PulseTimeline>(
      html`<pulse-timeline peer="alpha" .mesh=${mesh}></pulse-timeline>`,
    );
    expect(lines(el)).to.deep.equal([
      'alpha suspected → failed',
      'alpha healthy → suspected',
      'alpha joined',
    ]);
    const input = el.shadowRoot!.querySelector('input')!;
    input.value = 'brav';
    setTimeout(() => input.dispatchEvent(new Event('input')));
    expect((await oneEvent(el, 'filter-change')).detail).to.deep.equal({ peer: 'brav' });
    await el.updateComplete;
    expect(lines(el)).to.deep.equal(['bravo left', 'bravo joined']);
  });

  it('updates when peers change state and fires peer-select from an entry', async () => {
    const mesh = recorded();
    const el = await fixture<PulseTimeline>(html`<pulse-timeline .mesh=${mesh}></pulse-timeline>`);
    await renderedAfter(el, () => mesh.setState('alpha', 'recovering', 'heard from again'));
    expect(lines(el)[0]).to.equal('alpha failed → recovering');
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('li button.peer')!;
    setTimeout(() => button.click());
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer: 'alpha' });
  });

  it('has one tab stop in the list and moves between entries with arrow keys', async () => {
    const el = await fixture<PulseTimeline>(html`<pulse-timeline .mesh=${recorded()}></pulse-timeline>`);
    const buttons = () => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('ol button.peer')];
    expect(buttons().filter((b) => b.tabIndex === 0).length).to.equal(1);
    const first = buttons()[0]!;
    first.focus();
    first.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await el.updateComplete;
    const focused = el.shadowRoot!.activeElement as HTMLButtonElement;
    expect(focused).to.equal(buttons()[1]);
    expect(focused.tabIndex).to.equal(0);
    expect(buttons().filter((b) => b.tabIndex === 0).length).to.equal(1);
    setTimeout(() => focused.click());
    expect((await oneEvent(el, 'peer-select')).detail.peer).to.equal(focused.textContent?.trim());
  });

  it('passes axe in light and dark themes', async () => {
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulseTimeline>(
        html`<pulse-timeline theme=${theme} .mesh=${recorded()}></pulse-timeline>`,
      );
      await expect(el).to.be.accessible();
    }
  });
});
