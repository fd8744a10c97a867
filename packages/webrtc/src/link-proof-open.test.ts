// The link proof's second check, at open (issue 12): a key-derived peer's link counts only if the
// connection negotiated exactly the fingerprints the peer's proof vouched for. The receipt check
// already refuses an offer or answer whose fingerprints the sender did not sign (link-proof.test.ts,
// link-proof-mitm.test.ts, link-proof.browser.test.ts), so this one is reached only by a remote
// description that differs from the one checked: here a relay R posing as B answers A's offer
// without a proof, B's real signed answer for the same session arrives and passes the receipt
// check, and the SDP that reaches A's connection is R's (swapped between check and use, as an SDP
// transform or a library path that re-reads the message would). Real WebRTC (node-datachannel) and
// DTLS; run through netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@pulsemesh/core';
import { ConnectionManager } from './connection-manager.js';
import { generateIdentity, type KeyPairIdentity } from './identity.js';
import { isInitiator } from './initiator.js';
import { Link, livePeerConnectionCount } from './link.js';
import type { LinkSignal, SignalData } from './link-signal.js';
import { until } from './test-helpers.js';

let managers: ConnectionManager[] = [];

afterEach(async () => {
  for (const m of managers) m.close();
  managers = [];
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection closed');
});

/** Two identities, the first of which opens the link to the second (so it applies the answer). */
function pair(): [KeyPairIdentity, KeyPairIdentity] {
  for (;;) {
    const a = generateIdentity();
    const b = generateIdentity();
    if (isInitiator(a.id, b.id)) return [a, b];
  }
}

describe('link proof checked at open', () => {
  it('a connection that negotiated other fingerprints than the proof covers never counts', async () => {
    const [idA, idB] = pair();
    const ups: string[] = [];
    const errors: string[] = [];
    const fromB: LinkSignal[] = [];
    const fromR: LinkSignal[] = [];
    const sdpOf = (s: LinkSignal): s is Extract<LinkSignal, { t: 'sdp' }> => s.t === 'sdp';
    // A's signals to "B" reach the relay R; the real B is shown A's offer alone (no candidates, so
    // its connection never reaches A's: only R's can), as a server that asks it for an answer.
    const toB = (payload: LinkSignal): void => {
      r.handleSignal(idA.id, payload);
      const offer = sdpOf(payload) ? payload.d.filter((d) => d.type === 'offer') : [];
      if (sdpOf(payload) && offer.length > 0) b.handleSignal(idA.id, { ...payload, d: offer });
    };
    const a: ConnectionManager = new ConnectionManager({
      localId: idA.id,
      identity: idA,
      bindAddress: '127.0.0.1',
      sendSignal: (_to, payload) => toB(payload),
      handlers: {
        linkUp: (peer: PeerId) => ups.push(`A→${peer}`),
        error: (_peer, error) => errors.push(`A:${error}`),
      },
    });
    const b: ConnectionManager = new ConnectionManager({
      localId: idB.id,
      identity: idB,
      bindAddress: '127.0.0.1',
      sendSignal: (_to, payload) => fromB.push(payload),
      handlers: {},
    });
    // R holds no key: it cannot sign, so its answer carries no proof.
    const r: ConnectionManager = new ConnectionManager({
      localId: idB.id,
      bindAddress: '127.0.0.1',
      sendSignal: (_to, payload) => fromR.push(payload),
      handlers: {},
    });
    managers.push(a, b, r);
    // Every answer A's connection is given becomes R's answer of the same session (B's signed one
    // passed the receipt check): what an SDP swapped between check and use would do.
    let swapTo: string | undefined;
    const signal = Link.prototype.signal;
    Link.prototype.signal = function (this: Link, d: SignalData): void {
      signal.call(this, d.type === 'answer' && swapTo ? { type: 'answer', sdp: swapTo } : d);
    };
    const done = new Set<string>();
    // Per session A offers (a failed attempt is retried with a new one): B's signed answer, then
    // in the same task R's candidates (no SDP, so no proof needed), as one message would bring them.
    const deliver = (): void => {
      for (const bAnswer of fromB.filter(sdpOf)) {
        const rAnswer = fromR.filter(sdpOf).find((m) => m.s === bAnswer.s);
        if (!rAnswer || done.has(bAnswer.s)) continue;
        done.add(bAnswer.s);
        expect(rAnswer.p).toBeUndefined(); // R holds no key
        expect(bAnswer.p).toBeDefined();
        swapTo = rAnswer.d.find((d) => d.type === 'answer')?.sdp;
        try {
          a.handleSignal(idB.id, { ...bAnswer, d: bAnswer.d.filter((d) => d.type === 'answer') });
        } finally {
          swapTo = undefined;
        }
        const candidates = rAnswer.d.filter((d) => d.type === 'candidate');
        if (candidates.length > 0) a.handleSignal(idB.id, { ...rAnswer, d: candidates });
      }
    };
    try {
      a.setRoster([idB.id]);
      await until(
        () => {
          deliver();
          return errors.some((e) => e.includes('link-proof')) || ups.includes(`A→${idB.id}`);
        },
        20_000,
        'the A↔R connection opened',
      );
    } finally {
      Link.prototype.signal = signal;
    }
    // Checked at open: A's connection to R was up (DTLS with R's certificate), and is refused.
    expect(errors).toContain('A:link-proof: fingerprint-mismatch');
    expect(ups).not.toContain(`A→${idB.id}`);
    expect(a.counters.linkProofsRefused).toBeGreaterThanOrEqual(1);
    expect(a.counters.linksOpened).toBe(0);
  }, 30_000);
});
