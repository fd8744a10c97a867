import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import './pulse-health.js';
import type { PulseHealth } from './pulse-health.js';
import { defaultConfig, Detector, presets, seededRandom, stallToleranceMs } from '@pulsemesh/core';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { renderedAfter } from './testing/rendered.js';

function meshWith(states: Record<string, 'healthy' | 'suspected' | 'failed' | 'recovering' | 'left'>) {
  const mesh = new RecordedMesh({ localId: 'me', signalState: 'connected' });
  for (const [id, state] of Object.entries(states)) {
    mesh.join(id);
    if (state === 'left') mesh.leave(id);
    else mesh.setState(id, state);
  }
  return mesh;
}

const text = (el: Element) => el.shadowRoot?.textContent?.replace(/\s+/g, ' ') ?? '';

describe('<pulse-health>', () => {
  it('renders the tier, percentage, counts, local health and signaling state', async () => {
    const mesh = meshWith({ a: 'healthy', b: 'healthy', c: 'suspected', d: 'failed', e: 'left' });
    const el = await fixture<PulseHealth>(html`<pulse-health .mesh=${mesh}></pulse-health>`);
    // local + a + b healthy out of 5 non-left = 60% → CRITICAL (seed thresholds 90/70/50)
    const tier = el.shadowRoot?.querySelector('[part="tier"]');
    expect(tier?.textContent?.trim()).to.equal('CRITICAL');
    // The total counts this peer, which the table does not list: say so (6 = 5 others + you).
    expect(text(el)).to.contain('60% healthy · 6 peers, you included');
    expect(el.shadowRoot?.querySelector('[role="meter"]')?.getAttribute('aria-valuenow')).to.equal('60');
    const count = (state: string) =>
      el.shadowRoot?.querySelector(`button[data-state="${state}"] .n`)?.textContent;
    expect(count('healthy')).to.equal('3');
    expect(count('suspected')).to.equal('1');
    expect(count('failed')).to.equal('1');
    expect(count('left')).to.equal('1');
    expect(text(el)).to.contain('Local health 0 (good)');
    expect(text(el)).to.contain('Signaling connected');
    expect(el.shadowRoot?.querySelector('[part="warning"]')).to.equal(null);
  });

  it('updates when peers change state and shows the minority-partition warning', async () => {
    const mesh = meshWith({ a: 'healthy', b: 'healthy', c: 'healthy' });
    const el = await fixture<PulseHealth>(html`<pulse-health .mesh=${mesh}></pulse-health>`);
    expect(el.shadowRoot?.querySelector('[part="tier"]')?.textContent?.trim()).to.equal('HEALTHY');
    await renderedAfter(el, () => {
      for (const id of ['a', 'b', 'c']) mesh.setState(id, 'failed');
      mesh.setLocalHealth(3);
    });
    expect(el.shadowRoot?.querySelector('[part="tier"]')?.textContent?.trim()).to.equal('FAILED');
    expect(el.shadowRoot?.querySelector('[part="warning"]')?.textContent).to.contain('minority partition');
    expect(text(el)).to.contain('Local health 3 (degraded)');
    await expect(el).to.be.accessible();
  });

  it('fires state-select from a count, by click and by keyboard', async () => {
    const mesh = meshWith({ a: 'suspected' });
    const el = await fixture<PulseHealth>(html`<pulse-health .mesh=${mesh}></pulse-health>`);
    const button = el.shadowRoot?.querySelector<HTMLButtonElement>('button[data-state="suspected"]');
    setTimeout(() => button?.click());
    const event = await oneEvent(el, 'state-select');
    expect(event.detail).to.deep.equal({ state: 'suspected' });
  });

  it('names the stall tolerance computed from the detector’s config and mesh size, not a constant', async () => {
    const shown = async (d: Detector) => {
      const el = await fixture<PulseHealth>(html`<pulse-health .mesh=${d}></pulse-health>`);
      return el.shadowRoot?.querySelector('[part="stall-tolerance"] b')?.textContent;
    };
    const detector = (config: typeof presets.lan, links: number) => {
      const d = new Detector({ id: 'me', config, random: seededRandom(1), nowMs: 0 });
      for (let i = 0; i < links; i++) d.linkUp(`p-${i}`, 0);
      return d;
    };
    // The browser default: 1.2 s probe round + 0.5 s suspicion floor (the README's 1.70 s).
    expect(stallToleranceMs(defaultConfig('browser'), 12)).to.equal(1_700);
    expect(await shown(detector(defaultConfig('browser'), 11))).to.equal('1.7 s');
    // Another preset, another value (lan: no floor, the timeouts only).
    const lan = stallToleranceMs(presets.lan, 12);
    expect(lan).to.not.equal(1_700);
    expect(await shown(detector(presets.lan, 11))).to.equal(`${Number((lan / 1_000).toFixed(2))} s`);
    // A mesh view without a detector (a recording) does not show one.
    const el = await fixture<PulseHealth>(
      html`<pulse-health .mesh=${meshWith({ a: 'healthy' })}></pulse-health>`,
    );
    expect(el.shadowRoot?.querySelector('[part="stall-tolerance"]')).to.equal(null);
  });

  it('passes axe in light and dark themes', async () => {
    const mesh = meshWith({ a: 'healthy', b: 'suspected', c: 'failed', d: 'recovering', e: 'left' });
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulseHealth>(html`<pulse-health theme=${theme} .mesh=${mesh}></pulse-health>`);
      await expect(el).to.be.accessible();
    }
  });
});
