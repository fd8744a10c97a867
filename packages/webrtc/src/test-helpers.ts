// Test helpers (Node and browser): an in-process signaling bus that passes real simple-peer
// signals between real transports (JSON round trip, asynchronously, like a server would).
import type { PeerId } from '@pulsemesh/core';
import { WebRtcTransport, type WebRtcTransportOptions } from './webrtc-transport.js';

/** Transports wired through an in-process signal bus. */
export class SignalBus {
  readonly transports = new Map<PeerId, WebRtcTransport>();
  /** Set to false to simulate a signaling outage. */
  up = true;
  /** Rewrites (or, returning undefined, drops) a payload in flight: tests break ICE with it. */
  tamper: ((from: PeerId, to: PeerId, payload: unknown) => unknown) | undefined;

  add(localId: PeerId, options: Partial<WebRtcTransportOptions> = {}): WebRtcTransport {
    const transport = new WebRtcTransport({
      localId,
      iceServers: [],
      ...options,
      sendSignal: (to, payload) => {
        if (!this.up) return;
        let copy: unknown = JSON.parse(JSON.stringify(payload));
        if (this.tamper) copy = this.tamper(localId, to, copy);
        if (copy === undefined) return;
        setTimeout(() => {
          if (this.up) this.transports.get(to)?.handleSignal(localId, copy);
        }, 0);
      },
    });
    this.transports.set(localId, transport);
    return transport;
  }

  /** Tells every transport that the room is everyone on the bus. */
  announce(): void {
    const ids = [...this.transports.keys()];
    for (const t of this.transports.values()) t.manager.setRoster(ids);
  }

  closeAll(): void {
    for (const t of this.transports.values()) t.close();
  }
}

/** Polls `check` every 10 ms until it holds or `timeoutMs` passes. */
export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `act` now and every `everyMs` until the returned stop function is called. */
export function repeat(act: () => void, everyMs: number): () => void {
  act();
  const timer = setInterval(act, everyMs);
  return () => clearInterval(timer);
}

/** Count of open links of a transport. */
export function linkedCount(t: WebRtcTransport): number {
  return [...t.linkedPeers()].length;
}
