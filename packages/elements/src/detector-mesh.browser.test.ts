// <pulse-mesh> over real core detectors: five Detectors on a tiny in-test network (virtual clock,
// fixed latency), one crashes, and the dashboard of another shows it suspected, then failed.
import { expect, fixture, html } from '@open-wc/testing';
import './pulse-mesh.js';
import type { PulseMesh } from './pulse-mesh.js';
import { TinyNetwork } from './testing/tiny-network.js';

// A drawn seed; to replay a failure, put the printed number here.
const seed = Math.floor(Math.random() * 1_000_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('<pulse-mesh> with real detectors', () => {
  it('shows a crashed peer go suspected and then failed', async function () {
    this.timeout(30_000);
    console.log(`detector-mesh seed ${seed}`);
    const ids = ['tab-a', 'tab-b', 'tab-c', 'edge-d', 'edge-e'];
    const net = new TinyNetwork(ids, seed);
    net.run(5_000);
    const view = net.get('tab-a');
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${view}></pulse-mesh>`);
    await el.partsReady();
    const table = el.shadowRoot!.querySelector('pulse-peer-table')!;
    const health = el.shadowRoot!.querySelector('pulse-health')!;
    const rowText = (peer: string) =>
      table.shadowRoot!.querySelector(`tr[data-peer="${peer}"]`)?.textContent ?? '';
    expect(table.sortedPeers.map((p) => p.id).sort()).to.deep.equal(ids.slice(1).sort());
    expect(health.shadowRoot!.querySelector('[part="tier"]')?.textContent?.trim()).to.equal('HEALTHY');

    net.crashed.add('edge-e');
    const seen = new Set<string>();
    for (let step = 0; step < 120 && !seen.has('failed'); step++) {
      net.run(250); // 250 ms of virtual time per 40 ms of real time
      await sleep(40);
      const state = view.peers().find((p) => p.id === 'edge-e')?.state ?? 'missing';
      seen.add(state);
    }
    await sleep(300); // the element batches renders (at most 4/s)
    await table.updateComplete;
    try {
      expect([...seen]).to.include('failed');
      expect(rowText('edge-e')).to.contain('Failed');
      expect(health.shadowRoot!.querySelector('button[data-state="failed"] .n')?.textContent).to.equal('1');
      const timeline = el.shadowRoot!.querySelector('pulse-timeline')!;
      const events = [...timeline.shadowRoot!.querySelectorAll('li .what')].map((w) => w.textContent ?? '');
      expect(events.some((e) => e.includes('edge-e') && e.includes('failed'))).to.equal(true);
    } catch (error) {
      console.log(
        `seed ${seed}; reproduce: set \`const seed = ${seed}\` in detector-mesh.browser.test.ts, then ` +
          `bash scripts/netns.sh web-test-runner --files packages/elements/src/detector-mesh.browser.test.ts`,
      );
      throw error;
    }
  });
});
