/**
 * The "break this peer" controls. Every control acts on this tab's own peer through the real
 * transport (`mesh.faults`, `mesh.leave()`), never on a fake: others learn of it only by what
 * stops arriving on the wire.
 */
import type { Mesh } from '@pulsemesh/webrtc';
import type { FaultKind } from './incidents.js';

/** What the controls need from the page. */
export interface ControlsContext {
  mesh: Mesh;
  /** Announces a fault on the measurement channel before it takes effect. */
  announce(kind: FaultKind, durationMs?: number): void;
  /** Shows a one-line status next to the controls. */
  say(text: string, tone?: 'info' | 'warn' | 'bad'): void;
  /** Called once this peer has crashed, hung or left (it observes nothing from then on). */
  stopped?(): void;
}

/** Longest freeze the control allows (ms): a long task that blocks this tab completely. */
export const freezeMsMax = 30_000;

/**
 * Wires the controls inside `root` (buttons with `data-control`, selects with `data-setting`).
 * Returns a function that disables them all (after a crash or leave).
 */
export function wireControls(root: HTMLElement, ctx: ControlsContext): () => void {
  const { mesh } = ctx;
  const control = (name: string): HTMLButtonElement => {
    const el = root.querySelector<HTMLButtonElement>(`[data-control="${name}"]`);
    if (!el) throw new Error(`demo page: missing control ${name}`);
    return el;
  };
  const setting = (name: string): HTMLSelectElement => {
    const el = root.querySelector<HTMLSelectElement>(`[data-setting="${name}"]`);
    if (!el) throw new Error(`demo page: missing setting ${name}`);
    return el;
  };
  const disableAll = (): void => {
    for (const el of root.querySelectorAll<HTMLButtonElement | HTMLSelectElement>('button, select'))
      if (el.dataset['control'] !== 'rejoin') el.disabled = true;
    control('rejoin').hidden = false;
    // The dashboard now shows a view that no longer updates: say so by fading it.
    document.body.dataset['peerStatus'] = 'stopped';
    ctx.stopped?.();
  };

  control('crash').addEventListener('click', () => {
    ctx.announce('crash');
    mesh.faults.crash();
    disableAll();
    ctx.say(
      'Crashed: silent, and its signaling socket closed like a dead tab. The others mark it failed within about half a second.',
      'bad',
    );
  });
  control('hang').addEventListener('click', () => {
    ctx.announce('hang');
    mesh.faults.hang();
    disableAll();
    ctx.say(
      'Hung: silent without a goodbye, signaling socket still open. The others mark it failed after the stall tolerance (about 2 s).',
      'bad',
    );
  });
  control('freeze').addEventListener('click', () => {
    const ms = Math.min(freezeMsMax, Number(setting('freeze-ms').value) || 1_000);
    ctx.announce('freeze', ms);
    ctx.say(`Frozen for ${formatSeconds(ms)}…`, 'warn');
    // Let the status paint before the long task blocks the thread.
    requestAnimationFrame(() =>
      setTimeout(() => {
        mesh.faults.freeze(ms);
        ctx.say(`Was frozen for ${formatSeconds(ms)}: one long task, no timers, no messages.`, 'info');
      }, 0),
    );
  });
  setting('latency-ms').addEventListener('change', (e) => {
    const ms = Number((e.currentTarget as HTMLSelectElement).value) || 0;
    mesh.faults.setLatencyMs(ms);
    ctx.say(ms ? `Every outgoing heartbeat now waits ${ms} ms.` : 'No added latency.', ms ? 'warn' : 'info');
  });
  setting('drop-percent').addEventListener('change', (e) => {
    const percent = Number((e.currentTarget as HTMLSelectElement).value) || 0;
    mesh.faults.setDropRate(percent / 100);
    ctx.say(
      percent ? `Dropping ${percent} % of outgoing heartbeats.` : 'No packets dropped.',
      percent ? 'warn' : 'info',
    );
  });
  control('leave').addEventListener('click', () => {
    ctx.announce('leave');
    disableAll();
    ctx.say('Leaving: goodbye sent on every link. The others show this peer as left.', 'info');
    void mesh.leave();
  });
  // The reloaded page claims the same identity slot: it comes back as the same peer.
  control('rejoin').addEventListener('click', () => location.reload());
  return disableAll;
}

/** `1500` → `1.5 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 2 })} s`;
}
