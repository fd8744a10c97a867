// Session-21 review of decision 0057 (a plain app id keeps the first key proven under it,
// `app-id-pins.ts`) from a hostile room member's side, on real node-datachannel connections made
// in this process: can Mallory pin the app ids of honest members who have not linked yet, and for
// how long, at what cost?
// A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: nice -n 10 pnpm vitest run packages/webrtc/src/review-s21-attach.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@pulsemesh/core';
import { attachAs, closeAll, meshWithIdentity, stateAt } from './app-id-pins-test-support.js';
import type { AttachedMesh } from './attach.js';
import { until } from './test-helpers.js';

afterEach(closeAll);

/** Victim's monitored connections as [app id, whose key]. */
function connectionsAt(victim: AttachedMesh, names: Map<PeerId, string>): [string, string][] {
  return victim
    .connections()
    .filter((c) => c.state === 'monitored')
    .map((c) => [c.peer, names.get(c.identity as PeerId) ?? '?']);
}

describe('the first key proven under a plain app id (decision 0057)', () => {
  // HOLE (one live link pins up to 8 app ids): y-webrtc's signaling shows every member's room id to
  // the whole room before those members link to each other, so Mallory, a full member with her
  // own key, can attach at victim under the app ids of carol and dave (newcomers still
  // negotiating, or members victim has not linked yet) before they do, proving her own key under
  // each; each new proof ends her previous link there (0049: the newest proof of a key holds the
  // link), and she ends on one ordinary link under her own app id. The pins outlive those links
  // (0057 point 2: a pin is forgotten only when its key is left, reaped or evicted), and Mallory's
  // key is alive. Measured: then carol under 'carol-app' and dave under 'dave-app' are both refused
  // `pinned-key` (2 of 2), and stay refused for as long as Mallory stays a member; victim's only
  // connection is ['mallory-app', mallory]. With `appIdsPerKeyMax` 8, one key blocks 7 honest
  // members' links to victim at once while itself linked under its own label, at one live
  // connection's cost. 0057's Consequences names the race for one app id, not the multiplication.
  // Fix: a pin holds only while the pinned key has no proven link under another app id (a key has
  // one live link: 0049 ends the older ones); a pin of a key linked elsewhere is a stale label and
  // yields to another key's proof (the same reconnect protection for a key whose link dropped).
  // Mallory can then block one app id per key, and only by keeping her one link under it.
  // (Sketched in `AttachedMesh.mayCount`: allow when the pinned key has a proven attachment under
  // another app id; reverted. Then 0 refused, carol and dave healthy, this test failed as it must.)
  // CLOSED by decision 0061 (`app-id-pins.ts`: one key, one app id; a key's proof under another
  // app id releases its earlier pin, and the next key proven there pins it): `it.fails` -> `it`.
  it('Mallory, linked under her own app id, does not keep carol’s and dave’s app ids from them', async () => {
    const [victim, mallory, carol, dave] = [1, 2, 3, 4].map(() => meshWithIdentity()) as AttachedMesh[];
    const names = new Map<PeerId, string>([
      [mallory!.localId, 'mallory'],
      [carol!.localId, 'carol'],
      [dave!.localId, 'dave'],
    ]);
    const proven = (): number => victim!.proofCounters.proven;
    for (const [i, appId] of ['carol-app', 'dave-app', 'mallory-app'].entries()) {
      await attachAs(victim!, appId, mallory!);
      await until(() => proven() === i + 1, 10_000, `Mallory proven under ${appId}`);
    }
    await until(() => victim!.connections().length === 1, 5_000, 'the older links of her key ended');
    expect(connectionsAt(victim!, names)).toEqual([['mallory-app', 'mallory']]);
    expect(stateAt(victim!, mallory!.localId)).toBe('healthy');

    await attachAs(victim!, 'carol-app', carol!);
    await attachAs(victim!, 'dave-app', dave!);
    const refused = (): number => victim!.proofCounters.refused['pinned-key'];
    const settled = (): boolean => proven() + refused() >= 5;
    await until(settled, 10_000, 'carol and dave proven or refused');
    await new Promise((resolve) => setTimeout(resolve, 300));
    console.log(
      `after Mallory pinned carol-app and dave-app, then linked as mallory-app: refused pinned-key ${refused()}, ` +
        `victim's connections ${JSON.stringify(connectionsAt(victim!, names))}, carol ${stateAt(victim!, carol!.localId)}, ` +
        `dave ${stateAt(victim!, dave!.localId)}`,
    );
    expect(refused()).toBe(0);
    expect([stateAt(victim!, carol!.localId), stateAt(victim!, dave!.localId)]).toEqual([
      'healthy',
      'healthy',
    ]);
  });
});
