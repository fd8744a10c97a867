// What the collaborative-notes e2e tests (notes.e2e, Chromium; notes-firefox.e2e, Firefox and
// Chromium) share: the notes page's globals, an in-page probe and the polling loop.

/** The notes page's globals (apps/demo notes: Yjs, y-webrtc, pulsemesh attached), typed loosely. */
export type NotesGlobal = {
  notes: {
    text: { toString(): string; insert(i: number, s: string): void; length: number };
    provider: { awareness: { getStates(): Map<number, Record<string, unknown>> } };
    monitor: {
      mesh: {
        peers(): { id: string; state: string }[];
        connections(): { peer: string; state: string }[];
        addEventListener(t: string, f: (e: Event) => void): void;
      };
      broadcastPeers(): string[];
    };
  };
  failedAt?: Record<string, number>;
};

/** Runs in the page (pass it to `evaluate`): `peer`'s state in its pulsemesh monitor, if known. */
export const peerState = (peer: string): string | undefined =>
  (globalThis as unknown as NotesGlobal).notes.monitor.mesh.peers().find((x) => x.id === peer)?.state;

/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
