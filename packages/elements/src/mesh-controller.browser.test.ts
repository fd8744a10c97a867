import { expect, fixture, html } from '@open-wc/testing';
import { LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { MeshView } from '@pulsemesh/core';
import { MeshController } from './mesh-controller.js';
import { RecordedMesh } from './testing/recorded-mesh.js';

@customElement('test-mesh-host')
class TestMeshHost extends LitElement {
  @property({ attribute: false }) mesh: MeshView | undefined;
  renders = 0;
  readonly controller = new MeshController(this, { mesh: () => this.mesh, renderIntervalMsMin: 100 });
  override render() {
    this.renders++;
    return html`${this.mesh?.peers().length ?? 0}`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MeshController', () => {
  it('subscribes on connect, batches a burst into one render, unsubscribes on disconnect', async () => {
    const mesh = new RecordedMesh();
    const el = await fixture<TestMeshHost>(html`<test-mesh-host .mesh=${mesh}></test-mesh-host>`);
    expect(el.controller.mesh).to.equal(mesh);
    await sleep(120); // leave the interval after the first render
    const before = el.renders;
    for (let i = 0; i < 200; i++) mesh.join(`p${i}`);
    await sleep(20);
    expect(el.renders).to.equal(before + 1, 'first event after a quiet interval renders at once');
    expect(el.shadowRoot?.textContent).to.contain('200');
    for (let i = 0; i < 50; i++) mesh.setState(`p${i}`, 'suspected');
    await sleep(30);
    expect(el.renders).to.equal(before + 1, 'events inside the interval wait');
    await sleep(120);
    expect(el.renders).to.equal(before + 2, 'then render once');
    expect(el.controller.eventsSeen).to.be.greaterThan(250);

    el.remove();
    expect(el.controller.mesh).to.equal(undefined);
    const rendersDetached = el.renders;
    mesh.join('late');
    await sleep(150);
    expect(el.renders).to.equal(rendersDetached, 'no renders after disconnect');
  });

  it('renders at most 1000/renderIntervalMsMin times per second under a steady event stream', async () => {
    const mesh = new RecordedMesh();
    for (let i = 0; i < 20; i++) mesh.join(`p${i}`);
    const el = await fixture<TestMeshHost>(html`<test-mesh-host .mesh=${mesh}></test-mesh-host>`);
    const start = el.renders;
    const timer = setInterval(() => {
      mesh.setState(`p${Math.floor(Math.random() * 20)}`, Math.random() < 0.5 ? 'suspected' : 'healthy');
    }, 5);
    await sleep(1_000);
    clearInterval(timer);
    const renders = el.renders - start;
    expect(renders).to.be.within(5, 11); // 100 ms interval: ~10 per second
  });

  it('moves its subscription when the mesh property changes', async () => {
    const a = new RecordedMesh();
    const b = new RecordedMesh();
    const el = await fixture<TestMeshHost>(html`<test-mesh-host .mesh=${a}></test-mesh-host>`);
    el.mesh = b;
    await el.updateComplete;
    expect(el.controller.mesh).to.equal(b);
    const seen = el.controller.eventsSeen;
    a.join('x');
    expect(el.controller.eventsSeen).to.equal(seen);
    b.join('y');
    expect(el.controller.eventsSeen).to.equal(seen + 1);
  });
});
