// Session-20 review of decision 0049 (attached links prove a key, `attach.ts`, `attachment.ts`)
// from a hostile room member's side, on real node-datachannel connections made in this process.
// Point 4 of the decision: "a second connection for a proven id waits ... if it proves the key
// it takes over (the key's holder did reconnect), else it is closed". With identities and the
// app's own plain ids (the y-webrtc case), which key must the challenger prove?
// A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: bash scripts/netns.sh pnpm exec vitest run packages/webrtc/src/review-s20-attach.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@pulsemesh/core';
import { closeAll, meshWithIdentity } from './app-id-pins-test-support.js';
import type { AttachedMesh } from './attach.js';
import { connectedPair } from './review-s19-test-support.js';
import { until } from './test-helpers.js';

afterEach(closeAll);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const healthyAt = (viewer: AttachedMesh, peer: PeerId): boolean =>
  viewer.peers().some((p) => p.id === peer && p.state === 'healthy');

/** `a` and `b` attach each other under the given app ids; resolves once both see the other. */
async function linked(a: AttachedMesh, idOfB: string, b: AttachedMesh, idOfA: string): Promise<void> {
  const [pa, pb] = await connectedPair();
  a.attach(idOfB, pa);
  b.attach(idOfA, pb);
  await until(() => healthyAt(a, b.localId) && healthyAt(b, a.localId), 10_000, 'linked both ways');
}

/** Victim's view of carol's link: proven, monitored, counted as carol's key id. */
const carolLinkAt = (victim: AttachedMesh, carol: AttachedMesh) =>
  victim.connections().filter((c) => c.identity === carol.localId && c.state === 'monitored');

describe('a challenger for a proven attached link (decision 0049, point 4)', () => {
  // Was a HOLE (a challenger took over by proving ANY key), CLOSED by decision 0057: with identities and plain app ids, carol's
  // link at victim is proven (carol's key) under app id 'carol-app'. Mallory, a full member with
  // her own key, makes the app attach a second connection under 'carol-app' (any member can make
  // y-webrtc's signaling say carol reconnected: decision 0049's own threat). `AttachedMesh.
  // provedKey` lets the challenger take over the app id once it proves a key, without comparing
  // it with the key of the link it challenges: Mallory proves her own key, and carol's proven link
  // is ended ("replaced by a proven connection"). Measured: 500 ms after victim settled the
  // challenge, victim's only connection is ['carol-app', Mallory's key, 'monitored'],
  // challengersRefused 0: carol's proven link is gone and carol is not linked at victim. Mallory
  // can do it to every member, one connection each. Fix: a challenger of a proven link takes over only if it proves the SAME key
  // (`attachment.linkId === old.linkId`); a different key is counted `challengersRefused` and
  // closed (or kept beside it, under its own key id), carol's link stays.
  // Now: the first key proven under a plain app id is pinned to it (`app-id-pins.ts`) and a
  // challenger counts only if it proves the proven link's key; Mallory's valid proof of her own key
  // is refused `pinned-key`, counted `challengersRefused`, and carol's link stays monitored.
  it('plain app ids: Mallory proving her own key under carol’s app id leaves carol’s link alone', async () => {
    const victim = meshWithIdentity();
    const carol = meshWithIdentity();
    const mallory = meshWithIdentity();
    await linked(victim, 'carol-app', carol, 'victim-app');
    expect(carolLinkAt(victim, carol)).toHaveLength(1);
    const [atVictim, atMallory] = await connectedPair();
    victim.attach('carol-app', atVictim); // the app's signaling says carol reconnected: it did not
    mallory.attach('victim-app', atMallory);
    const { proofCounters } = victim;
    const settled = (): boolean => proofCounters.proven >= 2 || proofCounters.challengersRefused >= 1;
    await until(settled, 10_000, "victim settled Mallory's challenge");
    await sleep(500);
    console.log(
      `after Mallory's challenge under carol-app: victim's connections ${JSON.stringify(
        victim
          .connections()
          .map((c) => [c.peer, c.identity === carol.localId ? 'carol' : 'mallory', c.state]),
      )}, challengersRefused ${victim.proofCounters.challengersRefused}`,
    );
    expect(carolLinkAt(victim, carol)).toHaveLength(1);
    expect([...victim.transport.linkedPeers()]).toContain(carol.localId);
    expect(victim.proofCounters.challengersRefused).toBe(1);
    expect(victim.proofCounters.refused['pinned-key']).toBe(1);
    expect(victim.connections().map((c) => c.identity)).toEqual([carol.localId]);
  });

  it('key-derived app ids hold: the same challenge is refused (wrong-key) and carol’s link stays', async () => {
    const victim = meshWithIdentity();
    const carol = meshWithIdentity();
    const mallory = meshWithIdentity();
    await linked(victim, carol.localId, carol, victim.localId);
    const [atVictim, atMallory] = await connectedPair();
    victim.attach(carol.localId, atVictim);
    mallory.attach(victim.localId, atMallory);
    await until(() => victim.proofCounters.challengersRefused === 1, 5_000, 'challenger refused');
    expect(victim.proofCounters.refused['wrong-key']).toBe(1);
    expect(carolLinkAt(victim, carol)).toHaveLength(1);
    expect(healthyAt(victim, carol.localId)).toBe(true);
    expect(healthyAt(victim, mallory.localId)).toBe(false);
  });
});
