/**
 * A page entry for screenshots and manual checks: a `<pulse-mesh>` over a generated mixed-state
 * mesh that keeps churning. Query parameters: `peers` (default 40), `seed` (default 42),
 * `theme` (`light` | `dark` | `auto`), `churn` (state changes per second, default 0).
 */
import '../pulse-mesh.js';
import type { PulseMesh } from '../pulse-mesh.js';
import { generateMesh } from './generate.js';

const params = new URLSearchParams(location.search);
const { mesh, churn } = generateMesh({
  peerCount: Number(params.get('peers') ?? 40),
  seed: Number(params.get('seed') ?? 42),
});
mesh.setLocalHealth(1);
const el = document.createElement('pulse-mesh') as PulseMesh;
el.theme = (params.get('theme') as PulseMesh['theme'] | null) ?? 'auto';
el.room = 'demo';
el.mesh = mesh;
const selected = mesh.peers().find((p) => p.state === 'suspected');
if (selected && params.has('select')) el.selected = selected.id;
document.body.append(el);

const perSecond = Number(params.get('churn') ?? 0);
if (perSecond > 0) {
  setInterval(() => {
    mesh.advance(250);
    churn.step(Math.max(1, Math.round(perSecond / 4)));
  }, 250);
}
(window as unknown as { demoReady: boolean }).demoReady = true;
