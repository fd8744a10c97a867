// A React consumer: the dashboard through @pulsemesh/elements/react over a mesh from createMesh.
import { createRoot } from 'react-dom/client';
import { PulseMesh } from '@pulsemesh/elements/react';
import { createMesh } from '@pulsemesh/webrtc';

const params = new URLSearchParams(location.search);
const mesh = createMesh({
  signalUrl: params.get('signal') ?? 'ws://127.0.0.1:8787',
  room: params.get('room') ?? 'demo',
});
createRoot(document.getElementById('root')!).render(<PulseMesh mesh={mesh} heading="React dashboard" />);
