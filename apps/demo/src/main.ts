/**
 * The demo page: this tab is one peer of the room. It runs its own WebRTC mesh
 * (`@pulsemesh/webrtc`), shows it in `<pulse-mesh>`, offers fault controls that act on this
 * peer's real transport, and measures how fast the others noticed (`incidents.ts`).
 *
 * URL: `?room=` (default `demo`), `?signal=ws://…` (default `VITE_SIGNAL_URL` at build time, else
 * `ws://127.0.0.1:8787`), `?id=` (default: a key-derived id kept per tab across reloads, see
 * `peer.ts`), `?config={…}` detector overrides, `?theme=light|dark`.
 */
import '@pulsemesh/elements';
import type { DetectorEventMap, SignalState } from '@pulsemesh/core';
import { formatSeconds, wireControls } from './controls.js';
import { readSettings } from './demo-settings.js';
import { timingsFor } from './explain.js';
import { describeIncident } from './incident-view.js';
import { Incidents } from './incidents.js';
import { startPeer } from './peer.js';

const { settings, errors } = readSettings(
  location.search,
  import.meta.env['VITE_SIGNAL_URL'] as string | undefined,
);
for (const error of errors) console.warn(`pulsemesh demo: ${error}`);

let theme: 'light' | 'dark' =
  settings.theme === 'auto'
    ? matchMedia('(prefers-color-scheme: dark)').matches
      ? 'dark'
      : 'light'
    : settings.theme;
document.documentElement.dataset['theme'] = theme;

const { mesh, history, slot } = await startPeer(settings);
const incidents = new Incidents(mesh.localId, settings.room);
document.title = `${mesh.localId} · pulsemesh demo`;
document.body.dataset['peerId'] = mesh.localId;

const fill = <T extends HTMLElement = HTMLElement>(name: string): T => {
  const el = document.querySelector<T>(`[data-fill="${name}"]`);
  if (!el) throw new Error(`demo page: missing [data-fill="${name}"]`);
  return el;
};

// Header: a link to one more tab of the same room and signaling server (with a fresh peer id).
const another = new URLSearchParams(location.search);
another.delete('id');
fill<HTMLAnchorElement>('open-tab').href =
  `${location.pathname}${another.size ? `?${another.toString()}` : ''}`;
const signal = fill('signal');
const showSignal = (state: SignalState): void => {
  signal.dataset['state'] = state;
  signal.textContent = `signaling: ${state}`;
  signal.title = settings.signalUrl;
};
showSignal(mesh.signalState());
mesh.addEventListener('signal-state', (e) =>
  showSignal((e as CustomEvent<{ state: SignalState }>).detail.state),
);

// Dashboard.
const dashboard = document.querySelector('pulse-mesh');
if (!dashboard) throw new Error('demo page: missing <pulse-mesh>');
dashboard.theme = theme;
// Theme switch: page and dashboard together; kept in the URL (`?theme=`) so a reload keeps it.
const themeToggle = fill<HTMLButtonElement>('theme-toggle');
const showTheme = (): void => {
  document.documentElement.dataset['theme'] = theme;
  dashboard.theme = theme;
  themeToggle.setAttribute('aria-pressed', String(theme === 'dark'));
  themeToggle.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
};
showTheme();
themeToggle.addEventListener('click', () => {
  theme = theme === 'dark' ? 'light' : 'dark';
  showTheme();
  const url = new URL(location.href);
  url.searchParams.set('theme', theme);
  window.history.replaceState(null, '', url);
});
dashboard.mesh = mesh;
dashboard.room = settings.room;
// Past members and analytics from every session of this tab (kept in IndexedDB across reloads).
dashboard.history = history;
dashboard.analyticsWindow = 'hour';

// Controls.
const status = fill('status');
const controlsCard = document.querySelector('[data-controls]')?.closest<HTMLElement>('.card');
if (!controlsCard) throw new Error('demo page: missing the controls card');
wireControls(controlsCard, {
  mesh,
  // A crashed, hung or departed peer observes nothing more: its history stops here too.
  stopped: () => void history.close(),
  announce: (kind, durationMs) => incidents.announce(kind, durationMs),
  say: (text, tone = 'info') => {
    status.textContent = text;
    status.dataset['tone'] = tone;
  },
});
// The mesh's own pagehide listener (registered first, in the mesh) has already left and closed
// the mesh when this one runs, so `mesh.status` cannot tell a close from a crash: the controls mark
// a crash or a leave on the body instead (a graceful close was reported as "went silent").
addEventListener('pagehide', () => {
  if (document.body.dataset['peerStatus'] !== 'stopped') incidents.announce('close');
});

// Measurements.
mesh.addEventListener('status-change', (e) => {
  const { peer, to, atMs } = (e as CustomEvent<DetectorEventMap['status-change']>).detail;
  // When this tab last heard from it, on the wall clock the tabs share (the detector has its own).
  const heard = mesh.peers().find((p) => p.id === peer)?.lastHeardMs;
  incidents.observe(peer, to, heard === undefined ? undefined : Date.now() - (atMs - heard));
});
// A member flagged as a liar (its accusations kept being refuted, or it relayed a forgery) is
// shown here as well as in the peer table.
mesh.addEventListener('liar', (e) => {
  const { peer, reason } = (e as CustomEvent<DetectorEventMap['liar']>).detail;
  incidents.flagLiar(peer, reason);
});
const list = fill<HTMLOListElement>('incidents');
const empty = fill('incidents-empty');
const renderIncidents = (): void => {
  const now = Date.now();
  const items = incidents.list().map((incident) => {
    const line = describeIncident(incident, mesh.localId, now);
    const li = document.createElement('li');
    li.dataset['tone'] = line.tone;
    li.dataset['peer'] = line.peer;
    const headline = document.createElement('div');
    headline.className = 'headline';
    headline.textContent = line.headline;
    li.append(headline);
    for (const text of line.details) {
      const detail = document.createElement('div');
      detail.className = 'detail';
      detail.textContent = text;
      li.append(detail);
    }
    return li;
  });
  list.replaceChildren(...items);
  empty.hidden = items.length > 0;
};
incidents.addEventListener('change', renderIncidents);
setInterval(renderIncidents, 1_000);

// "What am I looking at": numbers from the detector's own formulas.
const explain = (): void => {
  const t = timingsFor(settings.config, mesh.peers().length + 1);
  fill('period').textContent = `${mesh.protocolPeriodMs()} ms`;
  fill('suspicion').textContent = `${formatSeconds(t.suspicionMinMs)}–${formatSeconds(t.suspicionMaxMs)}`;
  fill('hidden-patience').textContent = `${t.hiddenPatienceMult}×`;
  fill('tolerance').textContent = formatSeconds(t.stallToleranceMs);
};
explain();
setInterval(explain, 2_000);

/** For tests and the console: the mesh and the measurements of this tab. */
(window as unknown as { pulsemeshDemo: unknown }).pulsemeshDemo = {
  mesh,
  history,
  slot,
  incidents,
  settings,
};
