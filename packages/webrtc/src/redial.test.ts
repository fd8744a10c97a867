// A link whose ICE never connects, or fails on one side, is redialled with backoff: real
// node-datachannel transports on 127.0.0.1, with the first session's candidates stripped in flight
// so that attempt cannot connect (as across NATs when a relay dies mid-check, issue 17). Run
// through scripts/netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkSignal, SignalData } from './link-signal.js';
import { livePeerConnectionCount } from './link.js';
import { linkedCount, SignalBus, until } from './test-helpers.js';

const bindAddress = '127.0.0.1';
let bus: SignalBus;

afterEach(async () => {
  bus.closeAll();
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection to close');
});

/** Makes the first `broken` sessions unconnectable: no candidates reach either side. */
function breakSessions(target: SignalBus, broken: number): { sessions: string[] } {
  const seen = { sessions: [] as string[] };
  target.tamper = (_from, _to, payload) => {
    const signal = payload as LinkSignal;
    if (signal.t !== 'sdp') return payload;
    if (!seen.sessions.includes(signal.s)) seen.sessions.push(signal.s);
    if (seen.sessions.indexOf(signal.s) >= broken) return payload;
    const d = signal.d
      .filter((x: SignalData) => x.type !== 'candidate')
      .map((x: SignalData) =>
        x.sdp === undefined ? x : { ...x, sdp: x.sdp.replace(/^a=candidate:.*\r?\n/gm, '') },
      );
    return d.length === 0 ? undefined : { ...signal, d };
  };
  return seen;
}

describe('redialling links that never connect (Node)', () => {
  it('the initiator gives up on a link that never connects and dials again, until one opens', async () => {
    bus = new SignalBus();
    const options = { bindAddress, connectTimeoutMs: 1_500, backoff: { initialMs: 200, maxMs: 800 } };
    const a = bus.add('a', options); // 'a' < 'b': a initiates
    const b = bus.add('b', options);
    const seen = breakSessions(bus, 2);
    bus.announce();
    await until(() => linkedCount(a) === 1 && linkedCount(b) === 1, 20_000, 'link up on the third session');
    expect(seen.sessions.length).toBe(3);
    // Two attempts created and closed before the one that opened, on both sides.
    expect(a.manager.counters.linksCreated).toBe(3);
    expect(a.manager.counters.linksOpened).toBe(1);
    expect(b.manager.counters.linksOpened).toBe(1);
  }, 30_000);

  it('when only the answering side gives up (ICE failed there), the initiator hears it and redials at once', async () => {
    bus = new SignalBus();
    // The initiator would wait a minute on its own; the answerer gives up after 1.5 s, as
    // Firefox does when ICE fails (its trickle grace period), and says bye.
    const a = bus.add('a', {
      bindAddress,
      connectTimeoutMs: 60_000,
      backoff: { initialMs: 200, maxMs: 800 },
    });
    const b = bus.add('b', { bindAddress, connectTimeoutMs: 1_500, backoff: { initialMs: 200, maxMs: 800 } });
    const seen = breakSessions(bus, 1);
    bus.announce();
    await until(() => linkedCount(a) === 1 && linkedCount(b) === 1, 20_000, 'link up on the second session');
    expect(seen.sessions.length).toBe(2);
    expect(a.manager.counters.linksCreated).toBe(2);
    expect(b.manager.counters.linksClosed).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
