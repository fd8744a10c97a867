import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import './pulse-mesh.js';
import type { PulseMesh } from './pulse-mesh.js';
import { generateMesh } from './testing/generate.js';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { renderedAfter } from './testing/rendered.js';

describe('<pulse-mesh>', () => {
  it('composes health, topology, timeline, peer table and analytics over one mesh', async () => {
    const { mesh } = generateMesh({ peerCount: 30, seed: 1 });
    const el = await fixture<PulseMesh>(html`<pulse-mesh room="r1" .mesh=${mesh}></pulse-mesh>`);
    await el.partsReady();
    const root = el.shadowRoot!;
    for (const tag of [
      'pulse-health',
      'pulse-topology',
      'pulse-timeline',
      'pulse-peer-table',
      'pulse-past-members',
      'pulse-analytics',
    ]) {
      const child = root.querySelector(tag) as (HTMLElement & { mesh: unknown }) | null;
      expect(child, tag).to.not.equal(null);
      expect(child!.mesh, tag).to.equal(mesh);
    }
    expect(root.querySelector('.header')?.textContent).to.contain('tab-local');
    expect(root.querySelector('.header')?.textContent).to.contain('r1');
  });

  it('counts the present only: a reaped peer leaves the table for Past members and the tier recovers', async () => {
    const mesh = new RecordedMesh({ localId: 'me' });
    for (const id of ['alpha', 'bravo', 'charlie']) mesh.join(id);
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
    await el.partsReady();
    const root = el.shadowRoot!;
    const tier = () =>
      root.querySelector('pulse-health')!.shadowRoot!.querySelector('[part="tier"]')!.textContent!.trim();
    const health = root.querySelector('pulse-health')!;
    const table = root.querySelector('pulse-peer-table')!;
    const past = root.querySelector('pulse-past-members')!;
    await renderedAfter(health, () => mesh.setState('bravo', 'failed'));
    expect(tier()).to.equal('DEGRADED'); // 3 of 4 healthy
    await renderedAfter([health, table, past], () => {
      mesh.advance(30_000);
      mesh.reap('bravo');
    });
    expect(tier()).to.equal('HEALTHY');
    expect(table.shadowRoot!.querySelector('tr[data-peer="bravo"]')).to.equal(null);
    expect(past.mesh).to.equal(mesh);
    expect(past.shadowRoot!.querySelector('tr[data-peer="bravo"]')?.getAttribute('data-ended')).to.equal(
      'failed',
    );
    // The window selector reaches the analytics; without a kept history only the session exists.
    expect(root.querySelector('pulse-analytics')!.window).to.equal('session');
  });

  it('updates every part when a peer changes state', async () => {
    const { mesh } = generateMesh({ peerCount: 10, seed: 2 });
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
    await el.partsReady();
    const root = el.shadowRoot!;
    const victim = mesh.peers().find((p) => p.state === 'healthy')!.id;
    const table = root.querySelector('pulse-peer-table')!;
    const timeline = root.querySelector('pulse-timeline')!;
    const health = root.querySelector('pulse-health')!;
    await renderedAfter([table, timeline, health], () =>
      mesh.setState(victim, 'failed', 'suspicion timeout'),
    );
    expect(table.shadowRoot!.querySelector(`tr[data-peer="${victim}"]`)?.textContent).to.contain('Failed');
    expect(timeline.shadowRoot!.querySelector('li .what')?.textContent).to.contain(victim);
    expect(health.shadowRoot!.querySelector('button[data-state="failed"] .n')?.textContent).to.equal(
      String(mesh.health().counts.failed),
    );
  });

  it('shares a selected peer across parts and filters the table from a health count', async () => {
    const { mesh } = generateMesh({ peerCount: 30, seed: 3 });
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
    await el.partsReady();
    const root = el.shadowRoot!;
    const table = root.querySelector('pulse-peer-table')!;
    const row = table.shadowRoot!.querySelector<HTMLElement>('tbody tr[data-peer] td')!;
    const peer = row.closest('tr')!.getAttribute('data-peer')!;
    setTimeout(() => row.click());
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer });
    await el.updateComplete;
    expect(el.selected).to.equal(peer);
    expect(root.querySelector('pulse-topology')!.selected).to.equal(peer);
    expect(root.querySelector('pulse-timeline')!.peer).to.equal(peer);

    root
      .querySelector('pulse-health')!
      .shadowRoot!.querySelector<HTMLButtonElement>('button[data-state="suspected"]')!
      .click();
    await el.updateComplete;
    await table.updateComplete;
    const states = table.sortedPeers.map((p) => p.state);
    expect(states.length).to.equal(mesh.health().counts.suspected);
    expect(new Set(states)).to.deep.equal(new Set(['suspected']));
    expect(root.querySelector('h3 .chip')?.textContent).to.contain('Suspected only');
  });

  it('shows empty states for a mesh with no peers yet, accessibly', async () => {
    const mesh = new RecordedMesh({ localId: 'alone' });
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
    await el.partsReady();
    const root = el.shadowRoot!;
    expect(
      root.querySelector('pulse-health')!.shadowRoot!.querySelector('[part="tier"]')?.textContent?.trim(),
    ).to.equal('HEALTHY');
    expect(root.querySelector('pulse-peer-table')!.shadowRoot!.textContent).to.contain('No peers to show.');
    expect(root.querySelector('pulse-timeline')!.shadowRoot!.textContent).to.contain('No events yet.');
    await root.querySelector('pulse-topology')!.settled();
    await expect(el).to.be.accessible();
    await renderedAfter(root.querySelector('pulse-peer-table')!, () => mesh.join('first'));
    expect(root.querySelector('pulse-peer-table')!.sortedPeers.map((p) => p.id)).to.deep.equal(['first']);
  });

  it('reports a start error in attribute mode when no mesh can be created', async () => {
    const el = document.createElement('pulse-mesh');
    el.setAttribute('signal-url', 'ws://127.0.0.1:9/');
    el.setAttribute('room', 'nowhere');
    const settled = Promise.race([oneEvent(el, 'mesh-error'), oneEvent(el, 'mesh-ready')]);
    document.body.append(el);
    const event = (await settled) as CustomEvent;
    if (event.type === 'mesh-ready') {
      // @pulsemesh/webrtc's createMesh exists and returned a mesh before connecting.
      expect(el.mesh?.localId).to.be.a('string');
    } else {
      expect(event.detail.message).to.be.a('string').and.not.equal('');
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('[role="alert"]')?.textContent).to.contain('Could not start');
    }
    el.remove();
  });

  it('passes axe in light and dark themes', async () => {
    const { mesh } = generateMesh({ peerCount: 25, seed: 4 });
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulseMesh>(html`<pulse-mesh theme=${theme} .mesh=${mesh}></pulse-mesh>`);
      await el.partsReady();
      await expect(el).to.be.accessible();
    }
  });
});
