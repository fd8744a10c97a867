import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import './pulse-health.js';
import type { PulseHealth } from './pulse-health.js';
import { RecordedMesh } from './testing/recorded-mesh.js';

const bg = (el: Element) => getComputedStyle(el).getPropertyValue('--_bg').trim();
const light = '#ffffff';
const dark = '#14171c';
// puppeteer emulates prefers-color-scheme over CDP only; Firefox (WebDriver BiDi) cannot, yet.
const canEmulateMedia = !navigator.userAgent.includes('Firefox');
const itEmulating = canEmulateMedia ? it : it.skip;

describe('themes', () => {
  afterEach(() => (canEmulateMedia ? emulateMedia({ colorScheme: 'light' }) : undefined));

  itEmulating('auto follows prefers-color-scheme; the theme attribute overrides it', async () => {
    const mesh = new RecordedMesh();
    const el = await fixture<PulseHealth>(html`<pulse-health .mesh=${mesh}></pulse-health>`);
    expect(el.getAttribute('theme')).to.equal('auto');
    await emulateMedia({ colorScheme: 'light' });
    expect(bg(el)).to.equal(light);
    await emulateMedia({ colorScheme: 'dark' });
    expect(bg(el)).to.equal(dark);
    el.theme = 'light';
    await el.updateComplete;
    expect(bg(el)).to.equal(light);
    await emulateMedia({ colorScheme: 'light' });
    el.theme = 'dark';
    await el.updateComplete;
    expect(bg(el)).to.equal(dark);
  });

  it('public --pulse-* properties set on an ancestor reach nested elements in both themes', async () => {
    const mesh = new RecordedMesh();
    const wrapper = await fixture(
      html`<div style="--pulse-color-bg: rgb(1, 2, 3)">
        <pulse-health theme="dark" .mesh=${mesh}></pulse-health>
      </div>`,
    );
    expect(bg(wrapper.querySelector('pulse-health')!)).to.equal('rgb(1, 2, 3)');
  });
});
