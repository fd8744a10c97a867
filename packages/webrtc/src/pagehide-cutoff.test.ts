// The goodbye on `pagehide` when the page's script is cut off in the middle (Firefox, closing a window
// under CPU load: the listener stops with no exception to catch and no `finally`, and the next
// listener still runs; seen in broadcast-mesh.browser.test.ts). Here the cut-off is V8's: a `vm`
// timeout terminates execution the same way (no catch, no finally), at a chosen point: a send, or
// a step of close(), that blocks past the timeout. Then `pagehide` comes again (the second
// listener) and must finish the job: every linked peer gets its goodbye on both channels, and the
// subclass's close (the signaling leave) completes.
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decode, MessageType, type PeerId } from '@pulsemesh/core';
import { DetectorHost, type HostTransport } from './detector-host.js';
import { watchPageLifecycle } from './page-lifecycle.js';

const peers = ['p1', 'p2', 'p3'];

/** Blocks the thread long enough for the `vm` timeout to terminate the script. */
function block(): void {
  const end = performance.now() + 300;
  while (performance.now() < end) {
    // spin
  }
}

class FakeTransport implements HostTransport {
  readonly localId = 'me';
  readonly maxMessageBytes = 16_384;
  readonly unreliable: PeerId[] = [];
  readonly reliable: PeerId[] = [];
  closed = 0;
  /** The goodbye send with this index (0-based over every goodbye sent) blocks once. */
  blockSend = -1;
  #goodbyes = 0;
  send(to: PeerId, bytes: Uint8Array): void {
    if (this.#goodbye(bytes)) this.unreliable.push(to);
  }
  sendOnReliableChannel(to: PeerId, bytes: Uint8Array): boolean {
    if (this.#goodbye(bytes)) this.reliable.push(to);
    return true;
  }
  /** True for a goodbye (the detector's other traffic is not recorded); blocks the chosen one. */
  #goodbye(bytes: Uint8Array): boolean {
    const d = decode(bytes);
    if (!d.ok || d.message.type !== MessageType.leave) return false;
    if (this.#goodbyes++ === this.blockSend) block();
    return true;
  }
  linkedPeers(): Iterable<PeerId> {
    return peers;
  }
  onMessage(): () => void {
    return () => undefined;
  }
  onLinkChange(): () => void {
    return () => undefined;
  }
  bufferedBytes(): number {
    return 0;
  }
  mute(): void {}
  close(): void {
    this.closed += 1;
  }
}

class Host extends DetectorHost {
  signalingGoodbyes = 0;
  blockOnClose = false;
  protected override onClose(): void {
    if (this.blockOnClose) {
      this.blockOnClose = false;
      block();
    }
    this.signalingGoodbyes += 1;
  }
}

/** Dispatches `pagehide`, terminated (like Firefox's cut-off) if it runs past 50 ms. */
function pagehideCutOff(): boolean {
  const context = vm.createContext({
    hide: () => window.dispatchEvent(new Event('pagehide')),
  });
  try {
    vm.runInContext('hide()', context, { timeout: 50 });
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err;
    return true;
  }
}

beforeEach(() => {
  vi.stubGlobal('window', new EventTarget());
  vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

function host(transport: FakeTransport): Host {
  return new Host('me', transport, { clock: 'timers' });
}

describe('pagehide goodbye when the script is cut off mid-way', () => {
  // 6 sends: 3 unreliable then 3 reliable; cut off in each, and once in close().
  for (const cut of [0, 1, 2, 3, 5])
    it(`cut off in send ${cut}: the next pagehide listener sends the rest and closes`, () => {
      const transport = new FakeTransport();
      const h = host(transport);
      transport.blockSend = cut;
      expect(pagehideCutOff()).toBe(true);
      // What the cut-off left undone: the peers after the blocked send, and the whole close.
      expect(transport.unreliable.length + transport.reliable.length).toBe(cut);
      expect(h.signalingGoodbyes).toBe(0);
      window.dispatchEvent(new Event('pagehide'));
      expect(transport.unreliable).toEqual(peers);
      expect(transport.reliable).toEqual(peers);
      expect(h.signalingGoodbyes).toBe(1);
      expect(transport.closed).toBe(1);
      expect(h.status).toBe('closed');
    });

  it('cut off in close(): the next listener finishes the signaling goodbye and the transport close', () => {
    const transport = new FakeTransport();
    const h = host(transport);
    h.blockOnClose = true;
    expect(pagehideCutOff()).toBe(true);
    expect(transport.reliable).toEqual(peers);
    expect(h.signalingGoodbyes).toBe(0);
    window.dispatchEvent(new Event('pagehide'));
    expect(h.signalingGoodbyes).toBe(1);
    expect(transport.closed).toBe(1);
  });

  it('one dispatch, not cut off: each goodbye once, close once; a later pagehide does nothing', () => {
    const transport = new FakeTransport();
    const h = host(transport);
    window.dispatchEvent(new Event('pagehide'));
    window.dispatchEvent(new Event('pagehide'));
    expect(transport.unreliable).toEqual(peers);
    expect(transport.reliable).toEqual(peers);
    expect(h.signalingGoodbyes).toBe(1);
    expect(transport.closed).toBe(1);
  });

  it('a mesh closed before pagehide says nothing on it; a hung one neither', () => {
    const closed = new FakeTransport();
    host(closed).close();
    const hung = new FakeTransport();
    const h = host(hung);
    h.faults.hang();
    window.dispatchEvent(new Event('pagehide'));
    expect([...closed.unreliable, ...closed.reliable, ...hung.unreliable, ...hung.reliable]).toEqual([]);
    expect(h.signalingGoodbyes).toBe(0);
    h.close();
  });
});

describe('watchPageLifecycle', () => {
  it('reports pagehide from two listeners; stopping inside the first keeps the second, then removes all', () => {
    const calls: string[] = [];
    let stop: () => void = () => undefined;
    stop = watchPageLifecycle({
      lifecycle: (s) => calls.push(s),
      pagehide: () => {
        calls.push('pagehide');
        stop();
      },
    });
    window.dispatchEvent(new Event('pagehide'));
    expect(calls).toEqual(['pagehide', 'pagehide']);
    window.dispatchEvent(new Event('pagehide'));
    document.dispatchEvent(new Event('freeze'));
    expect(calls).toEqual(['pagehide', 'pagehide']);
  });

  it('stop() outside pagehide removes every listener at once', () => {
    const calls: string[] = [];
    watchPageLifecycle({ lifecycle: (s) => calls.push(s), pagehide: () => calls.push('pagehide') })();
    window.dispatchEvent(new Event('pagehide'));
    document.dispatchEvent(new Event('freeze'));
    expect(calls).toEqual([]);
  });
});
