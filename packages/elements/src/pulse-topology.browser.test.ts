import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import './pulse-topology.js';
import type { PulseTopology } from './pulse-topology.js';
import { RecordedMesh } from './testing/recorded-mesh.js';
import { generateMesh } from './testing/generate.js';
import { renderedAfter } from './testing/rendered.js';

function starMesh(n: number) {
  const mesh = new RecordedMesh({ localId: 'me' });
  for (let i = 0; i < n; i++) {
    mesh.join(`peer-${i}`);
    mesh.setLink(`peer-${i}`, { rttMs: 5 + i });
  }
  return mesh;
}

/** Canvas pixel (RGB) at a CSS-px point. */
function pixel(el: PulseTopology, x: number, y: number): [number, number, number] {
  const canvas = el.shadowRoot!.querySelector('canvas')!;
  const dpr = canvas.width / canvas.getBoundingClientRect().width;
  const d = canvas.getContext('2d')!.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data;
  return [d[0]!, d[1]!, d[2]!];
}

describe('<pulse-topology>', () => {
  it('draws every peer, coloured by state, and labels the graph', async () => {
    const mesh = starMesh(12);
    mesh.setState('peer-3', 'failed');
    const el = await fixture<PulseTopology>(
      html`<pulse-topology theme="light" .mesh=${mesh}></pulse-topology>`,
    );
    await el.settled();
    expect(el.graph?.nodes.length).to.equal(13);
    expect(el.graph?.edges.length).to.equal(12);
    const label = el.shadowRoot?.querySelector('[role="group"]')?.getAttribute('aria-label');
    expect(label).to.contain('13 peers, 12 healthy, 0 suspected, 1 failed');
    const failedAt = el.screenPosition('peer-3')!;
    expect(pixel(el, failedAt.x, failedAt.y)).to.deep.equal([0xcf, 0x22, 0x2e]); // --_failed (light)
    const healthyAt = el.screenPosition('peer-4')!;
    expect(pixel(el, healthyAt.x, healthyAt.y)).to.deep.equal([0x1a, 0x7f, 0x37]);
  });

  it('keeps the layout still when a peer changes state, and nearly still when one joins', async () => {
    const { mesh } = generateMesh({ peerCount: 200, seed: 11 });
    const el = await fixture<PulseTopology>(html`<pulse-topology .mesh=${mesh}></pulse-topology>`);
    await el.settled();
    const snapshot = () => new Map(el.graph!.nodes.map((n) => [n.id, { x: n.x ?? 0, y: n.y ?? 0 }]));
    const before = snapshot();
    const victim = mesh.peers().find((p) => p.state === 'healthy')!.id;
    await renderedAfter(el, () => mesh.setState(victim, 'suspected'));
    await el.settled();
    for (const [id, p] of snapshot()) expect(p, id).to.deep.equal(before.get(id));

    await renderedAfter(el, () => mesh.join('newcomer'));
    await el.settled();
    const after = snapshot();
    const extent = el.graph!.extent();
    let moved = 0;
    for (const [id, p] of before) {
      const q = after.get(id)!;
      moved += Math.hypot(q.x - p.x, q.y - p.y);
    }
    const meanMove = moved / before.size;
    console.log(
      `one join among 200 peers: mean node move ${meanMove.toFixed(2)} (layout radius ${extent.toFixed(0)})`,
    );
    expect(meanMove).to.be.lessThan(extent * 0.03);
    expect(after.has('newcomer')).to.equal(true);
  });

  it('fires peer-select on click and by keyboard', async () => {
    const mesh = starMesh(6);
    const el = await fixture<PulseTopology>(html`<pulse-topology .mesh=${mesh}></pulse-topology>`);
    await el.settled();
    const canvas = el.shadowRoot!.querySelector('canvas')!;
    const rect = canvas.getBoundingClientRect();
    const at = el.screenPosition('peer-2')!;
    setTimeout(() =>
      canvas.dispatchEvent(
        new MouseEvent('click', { clientX: rect.left + at.x, clientY: rect.top + at.y, bubbles: true }),
      ),
    );
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer: 'peer-2' });

    const surface = el.shadowRoot!.querySelector<HTMLElement>('[role="group"]')!;
    surface.focus();
    await el.updateComplete;
    const live = el.shadowRoot!.querySelector('[aria-live]')!;
    expect(live.textContent).to.contain('peer-2'); // focus starts on the selected peer
    surface.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    await el.updateComplete;
    const focused = live.textContent!.split(',')[0]!;
    expect(focused).to.match(/^peer-\d$/);
    expect(focused).to.not.equal('peer-2');
    setTimeout(() => surface.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect((await oneEvent(el, 'peer-select')).detail).to.deep.equal({ peer: focused });
  });

  it('draws 1,000 peers in a frame well under 50 ms', async () => {
    const { mesh } = generateMesh({ peerCount: 1_000, seed: 5 });
    const el = await fixture<PulseTopology>(html`<pulse-topology .mesh=${mesh}></pulse-topology>`);
    await el.settled(20_000);
    const frames: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      (el as unknown as { draw(running: boolean): void }).draw(false);
      frames.push(performance.now() - t0);
    }
    frames.sort((a, b) => a - b);
    console.log(
      `1,000-peer topology frame: median ${frames[5]!.toFixed(2)} ms, max ${frames[9]!.toFixed(2)} ms`,
    );
    // Firefox draws to a software canvas here (SWGL): median 11-39 ms measured on a loaded machine.
    expect(frames[5]).to.be.lessThan(navigator.userAgent.includes('Firefox') ? 50 : 25);
  });

  it('passes axe in light and dark themes', async () => {
    const mesh = starMesh(8);
    for (const theme of ['light', 'dark']) {
      const el = await fixture<PulseTopology>(
        html`<pulse-topology theme=${theme} .mesh=${mesh}></pulse-topology>`,
      );
      await expect(el).to.be.accessible();
    }
  });
});
