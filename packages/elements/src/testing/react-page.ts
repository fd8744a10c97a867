/**
 * Page entry for `react.test.ts`: renders the React wrappers with react-dom over a generated
 * mesh and records the events React props receive on `window.reactPage`.
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { PulseHealth, PulsePeerTable } from '../react.js';
import { generateMesh } from './generate.js';

const { mesh } = generateMesh({ peerCount: 12, seed: 9 });
const page = { peerSelects: [] as string[], stateSelects: [] as string[], localId: mesh.localId };
(window as unknown as { reactPage: typeof page }).reactPage = page;

const root = document.createElement('div');
document.body.append(root);
createRoot(root).render(
  createElement(
    'main',
    null,
    createElement(PulseHealth, {
      mesh,
      theme: 'dark',
      onStateSelect: (e) => page.stateSelects.push(e.detail.state),
    }),
    createElement(PulsePeerTable, {
      mesh,
      sortBy: 'id',
      onPeerSelect: (e) => page.peerSelects.push(e.detail.peer),
    }),
  ),
);
