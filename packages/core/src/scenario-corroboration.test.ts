// A checked `failed` verdict with trust (decision 0011, "corroborated verdicts"): taken at once
// only when independent signers back it; one member's word stays a suspicion.
import { describe, expect, it } from 'vitest';
import { UpdateKind, type Update } from './codec.js';
import { presets, stallToleranceMs } from './config.js';
import { signUpdate } from './signed-update.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';

/** Five honest peers and a liar `x`, all linked and signed, after 5 s of warm-up. */
function trustedMesh(seed: number, config = presets.lan): TestNetwork {
  const ids = ['a', 'b', 'c', 'd', 'e', 'x'];
  const net = new TestNetwork(seed, true);
  ids.forEach((id) => net.add(id, config));
  net.fullMesh(ids);
  net.run(5_000);
  return net;
}

/** `signer`'s signed accusation of b at incarnation 0. */
const accuse = (signer: string, kind: UpdateKind): Update =>
  signUpdate(testTrust(signer), { kind, peer: 'b', incarnation: 0, from: signer });

describe('a checked verdict with trust', () => {
  it('signed by two other declarers and unanswered, it is taken at once (no suspicion of our own)', () => {
    const net = trustedMesh(61);
    net.crashed.add('b');
    net.say('c', 'a', [accuse('c', UpdateKind.failed), accuse('d', UpdateKind.failed)]);
    net.run(6_000);
    expect(net.transitions('a', 'b')).toEqual(['healthy->failed']);
  });

  it('one declarer and two signed `suspect`s: a suspicion, failed only after our own pings went unanswered for the stall tolerance (decision 0024)', () => {
    const net = trustedMesh(61, presets.node);
    net.crashed.add('b');
    const saidMs = net.nowMs;
    net.say('c', 'a', [
      accuse('c', UpdateKind.failed),
      accuse('d', UpdateKind.suspect),
      accuse('e', UpdateKind.suspect),
    ]);
    net.run(12_000);
    expect(net.transitions('a', 'b')).toEqual(['healthy->suspected', 'suspected->failed']);
    const failed = net.events.find(
      ({ observer, event }) =>
        observer === 'a' &&
        event.type === 'status-change' &&
        event.detail.peer === 'b' &&
        event.detail.to === 'failed',
    );
    // `node`'s tolerance (1.7 s): neither a's own verdict nor the others' came before it.
    expect((failed?.event.detail.atMs ?? NaN) - saidMs).toBeGreaterThanOrEqual(
      stallToleranceMs(presets.node, 6),
    );
  });

  it("one liar's verdict and its own suspicion, sent while the accused stalls, stay a suspicion it refutes", () => {
    const net = trustedMesh(62);
    const stallEndMs = net.nowMs + 400;
    net.drop = (from) => from === 'b' && net.nowMs < stallEndMs;
    net.say('x', 'a', [accuse('x', UpdateKind.failed), accuse('x', UpdateKind.suspect)]);
    net.run(stallEndMs);
    net.drop = () => false;
    net.run(20_000);
    expect(net.transitions('a', 'b')).toEqual(['healthy->suspected', 'suspected->healthy']);
    for (const o of ['a', 'c', 'd', 'e']) expect(net.stateOf(o, 'b')).toBe('healthy');
  });
});
