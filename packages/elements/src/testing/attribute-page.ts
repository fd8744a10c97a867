/**
 * Page entry for `attribute-mode.node.test.ts`: a `<pulse-mesh>` in attribute mode (it starts its
 * own peer through `@pulsemesh/webrtc`). Query parameters: `signal`, `room`, `preset`. Reports on
 * `window.attributePage`.
 */
import '../pulse-mesh.js';

const params = new URLSearchParams(location.search);
const page = { localId: '', error: '' };
(window as unknown as { attributePage: typeof page }).attributePage = page;

const el = document.createElement('pulse-mesh');
el.setAttribute('signal-url', params.get('signal') ?? '');
el.setAttribute('room', params.get('room') ?? '');
el.setAttribute('preset', params.get('preset') ?? 'lan');
el.addEventListener('mesh-ready', (e) => {
  page.localId = (e as CustomEvent<{ localId: string }>).detail.localId;
});
el.addEventListener('mesh-error', (e) => {
  page.error = (e as CustomEvent<{ message: string }>).detail.message;
});
document.body.append(el);
