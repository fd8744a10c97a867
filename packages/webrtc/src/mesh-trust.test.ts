// The attack suite on a real mesh (issue 12): honest Node peers with keys (createMesh's default:
// signed membership) and a malicious member built from the project's own packages, which sends
// lies over its real WebRTC links. Run through netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import { encode, MessageType, signUpdate, UpdateKind, type Update } from '@pulsemesh/core';
import { generateIdentity, trustFor } from './identity.js';
import { livePeerConnectionCount } from './link.js';
import type { Mesh } from './mesh.js';
import { stateOf, TestRoom } from './mesh-test-support.js';
import { until } from './test-helpers.js';

let room: TestRoom | undefined;

afterEach(async () => {
  await room?.close();
  room = undefined;
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection closed');
});

const keyed = (r: TestRoom): Mesh => {
  const identity = generateIdentity();
  return r.join('unused', { identity });
};

function lie(liar: Mesh, to: string, updates: Update[]): void {
  liar.transport.send(to, encode({ type: MessageType.sync, seq: 1, updates, extensions: [] }));
}

describe('signed membership on a real mesh', () => {
  it('a member forging `left` and `failed` about an honest peer misleads nobody and is flagged', async () => {
    room = await TestRoom.start('trust-room');
    const honest = [keyed(room), keyed(room), keyed(room)];
    const liar = keyed(room);
    const all = [...honest, liar];
    const ids = all.map((m) => m.localId);
    for (const id of ids) expect(id).toMatch(/^k[a-z2-7]{24}$/);
    await until(
      () => all.every((m) => ids.every((id) => id === m.localId || stateOf(m, id) === 'healthy')),
      20_000,
      'all healthy',
    );
    const victim = honest[0] as Mesh;
    const liarTrust = trustFor(liar.identity!);
    const left: Update = { kind: UpdateKind.left, peer: victim.localId, incarnation: 0, from: undefined };
    const failed: Update = {
      kind: UpdateKind.failed,
      peer: victim.localId,
      incarnation: 0,
      from: liar.localId,
    };
    for (const o of honest.slice(1)) {
      lie(liar, o.localId, [left, signUpdate(liarTrust, left)]); // unsigned; signed by the wrong key
      lie(liar, o.localId, [{ ...left, key: victim.identity!.publicKey, signature: new Uint8Array(64) }]);
      lie(liar, o.localId, [signUpdate(liarTrust, failed)]); // a real accusation: checked first-hand
    }
    await new Promise((r) => setTimeout(r, 3_000));
    for (const o of honest.slice(1)) {
      expect(stateOf(o, victim.localId)).toBe('healthy');
      expect(o.history(victim.localId).filter((h) => h.kind === 'leave' || h.to === 'failed')).toEqual([]);
      expect(o.detector.liars()).toContain(liar.localId);
      expect(o.detector.stats().signaturesRejected).toBeGreaterThan(0);
    }
  }, 60_000);
});
