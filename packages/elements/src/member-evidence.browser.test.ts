// The dashboard's own defence against what gossip can name (decision 0051), whatever the mesh
// under it does: a `MeshView` that hands it look-alike ids, and honest sparse meshes whose far
// members are known through gossip (admitted by the signaling room, or not), and newcomers the
// room admitted that are not linked yet (decision 0058: joining, then unreachable, never counted),
// and far members the mesh never tried to link to (decision 0062: not linked (far), never counted).
// Run: bash scripts/netns.sh web-test-runner --files packages/elements/src/member-evidence.browser.test.ts
import { expect, fixture, html } from '@open-wc/testing';
import {
  defaultConfig,
  Detector,
  encode,
  MessageType,
  seededRandom,
  UpdateKind,
  type Message,
} from '@pulsemesh/core';
import './pulse-mesh.js';
import type { PulseMesh } from './pulse-mesh.js';
import { RecordedMesh } from './testing/recorded-mesh.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dashboard(mesh: PulseMesh['mesh']): Promise<PulseMesh> {
  const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
  await el.partsReady();
  await sleep(600); // the parts batch their renders (at most 4/s)
  return el;
}

function part<T extends Element>(el: PulseMesh, tag: string): T {
  return el.shadowRoot!.querySelector(tag) as unknown as T;
}

/** The text of a `<pulse-health>` part, undefined when absent. */
function healthText(el: PulseMesh, name: string): string | undefined {
  const health = part<HTMLElement>(el, 'pulse-health');
  return health.shadowRoot!.querySelector(`[part="${name}"]`)?.textContent?.replace(/\s+/g, ' ').trim();
}

const lookalikes = ['\u04bbonest', 'hon\u200best', '\u202etsenoh'];

describe('dashboard member evidence', () => {
  it('a view that hands it look-alike ids: not in the table, graph, timeline or counts; 3 refused', async () => {
    const mesh = new RecordedMesh({ localId: 'me' });
    mesh.join('honest');
    for (const id of lookalikes) mesh.join(id);
    mesh.setState(lookalikes[0]!, 'failed');
    const el = await dashboard(mesh);
    const table = part<HTMLElement & { sortedPeers: { id: string }[] }>(el, 'pulse-peer-table');
    expect(table.sortedPeers.map((p) => p.id)).to.deep.equal(['honest']);
    const graph = part<HTMLElement & { graph?: { nodes: { id: string }[] } }>(el, 'pulse-topology');
    expect(graph.graph!.nodes.map((n) => n.id).sort()).to.deep.equal(['honest', 'me']);
    const timeline = part<HTMLElement & { entries: { peer: string; kind: string }[] }>(el, 'pulse-timeline');
    expect(timeline.entries.filter((e) => e.kind !== 'interval-change').map((e) => e.peer)).to.deep.equal([
      'honest',
    ]);
    expect(healthText(el, 'refused')).to.equal('3 refused (non-canonical id)');
    // The failed look-alike is not counted: you and 'honest', both healthy.
    expect(healthText(el, 'tier')).to.equal('HEALTHY');
    expect(el.shadowRoot!.textContent + allText(el)).to.not.contain('\u04bb');
  });

  it('honest sparse mesh, far members admitted, never heard: HEALTHY over the 3 heard, 10 joining, then unreachable', async () => {
    const d = sparse();
    d.admit(far);
    const el = await dashboard(d);
    expect(healthText(el, 'tier')).to.equal('HEALTHY');
    expect(healthText(el, 'joining')).to.equal('10 joining (not counted)');
    expect(healthText(el, 'unverified')).to.equal(undefined);
    expect(allText(el)).to.contain('3 peers, you included');
    expect(reach(el, 'far-0')).to.deep.equal({ reach: 'joining', state: 'Joining' });
    // One stall tolerance (1.7 s) later, none of them linked nor heard: unreachable, still not counted.
    d.tick(d.stallToleranceMs() + 2);
    await sleep(1_300); // the health card and the table re-render each second without events
    expect(healthText(el, 'joining')).to.equal(undefined);
    expect(healthText(el, 'unreachable')).to.equal('10 unreachable (never heard, not counted)');
    expect(healthText(el, 'tier')).to.equal('HEALTHY');
    expect(reach(el, 'far-0')).to.deep.equal({ reach: 'unreachable', state: 'Unreachable' });
  });

  it('the same sparse mesh whose view says what it dialled (linkTried, 0062): 10 not linked (far), never unreachable', async () => {
    const d = Object.assign(sparse(), { linkTried: (id: string) => id === 'n-0' || id === 'n-1' });
    d.admit(far);
    const el = await dashboard(d);
    expect(healthText(el, 'far')).to.equal('10 not linked (far, not counted)');
    expect(healthText(el, 'joining')).to.equal(undefined);
    expect(reach(el, 'far-0')).to.deep.equal({ reach: 'far', state: 'Not linked (far)' });
    d.tick(d.stallToleranceMs() + 2);
    await sleep(1_300);
    expect(healthText(el, 'unreachable')).to.equal(undefined);
    expect(healthText(el, 'far')).to.equal('10 not linked (far, not counted)');
    expect(healthText(el, 'tier')).to.equal('HEALTHY');
    expect(allText(el)).to.contain('3 peers, you included');
    expect(reach(el, 'far-0')).to.deep.equal({ reach: 'far', state: 'Not linked (far)' });
  });

  it('a real newcomer: joining at once, counted once its link opens (no event needed)', async () => {
    const d = sparse();
    d.admit(['newcomer']);
    d.receive('n-0', encode(aliveOf(['newcomer'])).slice(), 2);
    const el = await dashboard(d);
    expect(healthText(el, 'joining')).to.equal('1 joining (not counted)');
    expect(reach(el, 'newcomer')).to.deep.equal({ reach: 'joining', state: 'Joining' });
    d.linkUp('newcomer', 600);
    await sleep(1_300);
    expect(healthText(el, 'joining')).to.equal(undefined);
    expect(allText(el)).to.contain('4 peers, you included');
    expect(reach(el, 'newcomer')).to.deep.equal({ reach: null, state: 'Healthy' });
  });

  it('honest sparse mesh without signaling: far members shown, counted apart as unverified', async () => {
    const el = await dashboard(sparse());
    expect(healthText(el, 'tier')).to.equal('HEALTHY');
    expect(healthText(el, 'unverified')).to.equal('10 unverified (gossip only, not counted)');
    expect(allText(el)).to.contain('3 peers, you included');
    const table = part<HTMLElement & { sortedPeers: { id: string }[] }>(el, 'pulse-peer-table');
    expect(table.sortedPeers).to.have.length(12);
  });
});

const far = Array.from({ length: 10 }, (_, i) => `far-${i}`);

/** A detector linked to 2 neighbours; one of them announces 10 far members (a sparse mesh). */
function sparse(): Detector {
  const d = new Detector({ id: 'me', config: defaultConfig('browser'), random: seededRandom(20), nowMs: 0 });
  d.linkUp('n-0', 0);
  d.linkUp('n-1', 0);
  d.receive('n-0', encode(aliveOf(far)).slice(), 1);
  return d;
}

/** A ping carrying gossip `alive`s of `peers`. */
function aliveOf(peers: string[]): Message {
  return {
    type: MessageType.ping,
    seq: 0,
    extensions: [],
    updates: peers.map((peer) => ({ kind: UpdateKind.alive, peer, incarnation: 0, from: undefined })),
  } as unknown as Message;
}

/** The table row of `peer`: its `data-reach` and the text of its state cell. */
function reach(el: PulseMesh, peer: string): { reach: string | null; state: string | undefined } {
  const table = part<HTMLElement>(el, 'pulse-peer-table');
  const row = table.shadowRoot!.querySelector(`tr[data-peer="${peer}"]`);
  const state = row?.querySelector('.state')?.textContent?.replace(/\s+/g, ' ').trim();
  return { reach: row?.getAttribute('data-reach') ?? null, state };
}

/** The text of every shadow root under the dashboard. */
function allText(el: PulseMesh): string {
  const out: string[] = [];
  const walk = (root: ParentNode) => {
    for (const e of root.querySelectorAll('*')) {
      if (e.shadowRoot) {
        out.push(e.shadowRoot.textContent ?? '');
        walk(e.shadowRoot);
      }
    }
  };
  walk(el.shadowRoot!);
  return out.join(' ').replace(/\s+/g, ' ');
}
