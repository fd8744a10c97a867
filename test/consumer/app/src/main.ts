// A consumer's page: attribute mode (the element starts its own peer with @pulsemesh/webrtc), plus
// type-level use of the public API, checked by `tsc --noEmit` under strict settings.
import '@pulsemesh/elements';
import type { PulseMesh } from '@pulsemesh/elements';
import { Detector, presets, seededRandom, type MeshView } from '@pulsemesh/core';
import { createMesh, type Mesh } from '@pulsemesh/webrtc';

const params = new URLSearchParams(location.search);
const element: PulseMesh = document.querySelector('pulse-mesh')!; // HTMLElementTagNameMap entry
element.setAttribute('signal-url', params.get('signal') ?? 'ws://127.0.0.1:8787');
element.setAttribute('room', params.get('room') ?? 'demo');

// Types only (never run): a Mesh and a bare Detector are both MeshViews the elements accept.
export function typesCompile(): MeshView[] {
  const mesh: Mesh = createMesh({ signalUrl: 'ws://127.0.0.1:8787', room: 'r' });
  const detector = new Detector({ id: 'p1', config: presets.lan, random: seededRandom(1), nowMs: 0 });
  const fromTagMap: HTMLElementTagNameMap['pulse-peer-table'] = document.createElement('pulse-peer-table');
  fromTagMap.mesh = detector;
  return [mesh, detector];
}
