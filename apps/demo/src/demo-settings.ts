/**
 * The demo's settings, read from the page URL (and, for the signaling URL, the build's
 * `VITE_SIGNAL_URL`). Pure: no DOM, so the stack orchestrator (Node) can import it too. The detector
 * runs the stock defaults (`defaultConfig('browser')` in tabs, `'node'` in edge peers): no demo-only
 * tuning; `?config=` overrides are for experiments.
 */
import { isCanonicalPeerId } from '@pulsemesh/core';
import type { DetectorConfig } from '@pulsemesh/core';

/** Signaling server `pnpm demo` starts when port 8787 is free. */
export const defaultSignalUrl = 'ws://127.0.0.1:8787';
/** Room every tab joins unless the URL says `?room=`. */
export const defaultRoom = 'demo';

/** What one tab of the demo runs with. */
export interface DemoSettings {
  signalUrl: string;
  room: string;
  /** Peer id from `?id=`, or undefined for the tab's kept key-derived id (`peer.ts`). */
  peerId: string | undefined;
  /** Detector overrides from `?config=` JSON (none by default: the stock defaults). */
  config: Partial<DetectorConfig>;
  /** `auto`, `light` or `dark` (`?theme=`). */
  theme: 'auto' | 'light' | 'dark';
}

/** Peer ids the signaling server accepts (1..64 of these characters). */

/**
 * Reads the settings from a query string. Unknown or malformed values fall back to the defaults
 * (a demo should start, not throw); `errors` says what was ignored.
 */
export function readSettings(
  search: string,
  buildSignalUrl: string | undefined,
): { settings: DemoSettings; errors: string[] } {
  const params = new URLSearchParams(search);
  const errors: string[] = [];
  let signalUrl = params.get('signal') ?? buildSignalUrl ?? defaultSignalUrl;
  if (!/^wss?:\/\/.+/.test(signalUrl)) {
    errors.push(`ignored signal=${signalUrl}: not a ws:// or wss:// URL`);
    signalUrl = buildSignalUrl ?? defaultSignalUrl;
  }
  let peerId = params.get('id') ?? undefined;
  if (peerId !== undefined && !isCanonicalPeerId(peerId)) {
    errors.push(
      `ignored id=${peerId}: use 1-64 lowercase letters, digits, '.', '_' or '-' (canonical ASCII)`,
    );
    peerId = undefined;
  }
  const config: Partial<DetectorConfig> = {};
  const rawConfig = params.get('config');
  if (rawConfig) {
    try {
      const parsed: unknown = JSON.parse(rawConfig);
      if (typeof parsed !== 'object' || parsed === null) throw new TypeError('not an object');
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === 'number') (config as Record<string, number>)[key] = value;
      }
    } catch (error) {
      errors.push(`ignored config: ${String(error)}`);
    }
  }
  const theme = params.get('theme');
  return {
    settings: {
      signalUrl,
      room: (params.get('room') ?? '').trim() || defaultRoom,
      peerId,
      config,
      theme: theme === 'light' || theme === 'dark' ? theme : 'auto',
    },
    errors,
  };
}
