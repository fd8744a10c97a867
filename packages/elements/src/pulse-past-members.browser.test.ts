import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { HistoryView } from './history-view.js';
import './pulse-past-members.js';
import type { PulsePastMembers } from './pulse-past-members.js';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { renderedAfter } from './testing/rendered.js';

const rows = (el: PulsePastMembers) =>
  [...el.shadowRoot!.querySelectorAll('tbody tr')].map((tr) => ({
    peer: tr.getAttribute('data-peer'),
    ended: tr.getAttribute('data-ended'),
    source: tr.getAttribute('data-source'),
    text: tr.textContent!.replace(/\s+/g, ' ').trim(),
  }));

/** bravo failed and charlie left, both reaped after 30 s; alpha still live. */
function recorded(): RecordedMesh {
  const mesh = new RecordedMesh({ localId: 'me' });
  for (const id of ['alpha', 'bravo', 'charlie']) mesh.join(id);
  mesh.advance(60_000);
  mesh.setState('bravo', 'failed', 'suspicion-timeout');
  mesh.advance(30_000);
  mesh.reap('bravo');
  mesh.leave('charlie');
  mesh.advance(30_000);
  mesh.reap('charlie');
  mesh.advance(5_000);
  return mesh;
}

describe('<pulse-past-members>', () => {
  it('lists reaped peers with how and when they ended, newest first; live ones are not listed', async () => {
    const el = await fixture<PulsePastMembers>(
      html`<pulse-past-members .mesh=${recorded()}></pulse-past-members>`,
    );
    expect(rows(el)).to.deep.equal([
      { peer: 'charlie', ended: 'left', source: 'session', text: 'charlie Left said goodbye 35 s ago' },
      {
        peer: 'bravo',
        ended: 'failed',
        source: 'session',
        text: 'bravo Failed silent past its suspicion 1 m 5 s ago',
      },
    ]);
  });

  it('adds the past members of earlier sessions from a kept history; the live record wins', async () => {
    const now = Date.now();
    const history: HistoryView = {
      analytics: () => {
        throw new Error('not read here');
      },
      pastMembers: () => [
        { peer: 'old', ended: 'failed', reason: 'witnessed', endedAtMs: now - 7_200_000, reapedAtMs: now },
        { peer: 'bravo', ended: 'left', reason: 'graceful-leave', endedAtMs: now - 9e6, reapedAtMs: now },
      ],
    };
    const el = await fixture<PulsePastMembers>(
      html`<pulse-past-members .mesh=${recorded()} .history=${history}></pulse-past-members>`,
    );
    expect(rows(el).map((r) => [r.peer, r.ended, r.source])).to.deep.equal([
      ['charlie', 'left', 'session'],
      ['bravo', 'failed', 'session'],
      ['old', 'failed', 'kept'],
    ]);
    expect(rows(el)[2]!.text).to.contain('2 h ago');
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('tr[data-peer="old"] button')!;
    setTimeout(() => button.click());
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer: 'old' });
  });

  it('updates on a reap and says so when there is nobody to list', async () => {
    const mesh = new RecordedMesh({ localId: 'me' });
    mesh.join('alpha');
    const el = await fixture<PulsePastMembers>(html`<pulse-past-members .mesh=${mesh}></pulse-past-members>`);
    expect(el.shadowRoot!.querySelector('.empty')?.textContent).to.contain('None yet');
    mesh.setState('alpha', 'failed');
    mesh.advance(30_000);
    await renderedAfter(el, () => mesh.reap('alpha'));
    expect(rows(el).map((r) => r.peer)).to.deep.equal(['alpha']);
  });

  it('passes axe in light and dark themes', async () => {
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulsePastMembers>(
        html`<pulse-past-members theme=${theme} .mesh=${recorded()}></pulse-past-members>`,
      );
      await expect(el).to.be.accessible();
    }
  });
});
