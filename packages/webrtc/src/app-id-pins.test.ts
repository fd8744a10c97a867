// Trust on first use for plain app ids on meshes with identities (decision 0057, `app-id-pins.ts`):
// the pin's life cycle on real node-datachannel connections made in this process, and its bounds.
// Run: nice -n 10 pnpm vitest run packages/webrtc/src/app-id-pins.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import { AppIdPins } from './app-id-pins.js';
import type { AttachedMesh } from './attach.js';
import { attachAs, closeAll, meshWithIdentity, monitoredUnder, stateAt } from './app-id-pins-test-support.js';
import { until } from './test-helpers.js';

afterEach(closeAll);

/** `victim` attaches `other` under 'carol-app' (the app's label for carol), `other` attaches victim. */
const attachAsCarolApp = (victim: AttachedMesh, other: AttachedMesh): Promise<RTCPeerConnection[]> =>
  attachAs(victim, 'carol-app', other);

/** Victim's monitored connections under 'carol-app', as [identity, proven]. */
const carolAppAt = (victim: AttachedMesh): [string, boolean][] => monitoredUnder(victim, 'carol-app');

describe('the key pinned to a plain app id (real WebRTC)', () => {
  it('survives a link drop: another key is refused, carol reconnecting with her key counts', async () => {
    const victim = meshWithIdentity();
    const carol = meshWithIdentity();
    const mallory = meshWithIdentity();
    const first = await attachAsCarolApp(victim, carol);
    await until(() => stateAt(victim, carol.localId) === 'healthy', 10_000, 'carol linked');
    for (const pc of first) pc.close(); // carol's connection drops (a network blip)
    await until(() => victim.connections().length === 0, 5_000, 'the dropped link noticed');
    await attachAsCarolApp(victim, mallory); // the app's signaling says carol is back: it is Mallory
    await until(() => victim.proofCounters.refused['pinned-key'] === 1, 10_000, 'Mallory refused');
    expect(victim.connections()).toEqual([]);
    expect(stateAt(victim, mallory.localId)).toBeUndefined();
    expect(victim.proofCounters.challengersRefused).toBe(0); // no proven link held it: the pin did
    await attachAsCarolApp(victim, carol);
    // Carol may still be healthy at victim from before the drop: wait for the new link's proof.
    await until(() => carolAppAt(victim).some(([, proven]) => proven), 10_000, 'carol back');
    await until(() => stateAt(victim, carol.localId) === 'healthy', 10_000, 'carol healthy');
    expect(carolAppAt(victim)).toEqual([[carol.localId, true]]);
    expect(victim.proofCounters.refused['pinned-key']).toBe(1);
  });

  it('is forgotten once carol has left: a new key under her app id counts as its own id', async () => {
    const victim = meshWithIdentity();
    const carol = meshWithIdentity();
    const next = meshWithIdentity();
    await attachAsCarolApp(victim, carol);
    await until(() => stateAt(victim, carol.localId) === 'healthy', 10_000, 'carol linked');
    // Carol's own end must have proven victim too, or her leave has no link to go out on.
    await until(() => stateAt(carol, victim.localId) === 'healthy', 10_000, 'victim linked at carol');
    await carol.leave();
    await until(() => stateAt(victim, carol.localId) === 'left', 5_000, 'carol left at victim');
    await attachAsCarolApp(victim, next); // a new tab got carol's old app id
    await until(() => stateAt(victim, next.localId) === 'healthy', 10_000, 'the new key linked');
    expect(carolAppAt(victim)).toEqual([[next.localId, true]]);
    expect(victim.proofCounters.refused['pinned-key']).toBe(0);
  });

  it('is forgotten once a failed carol is reaped, not before', async () => {
    // 8 s: Mallory's attach (a new connection and its proof) must land before the reap even under
    // CI's load (3 s was once too short there: the pin was already released).
    const victim = meshWithIdentity({ config: { reapAfterMs: 8_000 } });
    const carol = meshWithIdentity();
    const mallory = meshWithIdentity();
    const first = await attachAsCarolApp(victim, carol);
    await until(() => stateAt(victim, carol.localId) === 'healthy', 10_000, 'carol linked');
    carol.close(); // carol crashes: her end stops answering
    for (const pc of first) pc.close();
    await until(() => stateAt(victim, carol.localId) === 'failed', 15_000, 'carol failed at victim');
    await attachAsCarolApp(victim, mallory); // before the reap: still carol's app id
    await until(() => victim.proofCounters.refused['pinned-key'] === 1, 10_000, 'refused while failed');
    expect(stateAt(victim, carol.localId)).toBe('failed'); // refused before the reap
    await until(() => stateAt(victim, carol.localId) === undefined, 15_000, 'carol reaped');
    await attachAsCarolApp(victim, mallory);
    await until(() => stateAt(victim, mallory.localId) === 'healthy', 10_000, 'a new key after the reap');
    expect(carolAppAt(victim)).toEqual([[mallory.localId, true]]);
  });
});

describe('AppIdPins', () => {
  it('pins the first key, allows only it, and forgets a key’s pin', () => {
    const pins = new AppIdPins();
    pins.pin('carol-app', 'kcarol');
    pins.pin('carol-app', 'kmallory'); // a later key never re-pins
    expect([pins.allows('carol-app', 'kcarol', 0), pins.allows('carol-app', 'kmallory', 0)]).toEqual([
      true,
      false,
    ]);
    pins.forget('kmallory');
    expect(pins.keyOf('carol-app')).toBe('kcarol');
    pins.pin('carol-tab-2', 'kcarol'); // carol reloaded under a new app id: her pin moves with her
    expect([pins.keyOf('carol-app'), pins.keyOf('carol-tab-2')]).toEqual([undefined, 'kcarol']);
    pins.forget('kcarol');
    expect([pins.size, pins.allows('carol-tab-2', 'kx', 0)]).toEqual([0, true]);
  });

  it('keeps a key-derived app id unpinned and one app id per key: a proof elsewhere releases it', () => {
    const pins = new AppIdPins();
    pins.pin('kcarol', 'kcarol');
    expect(pins.size).toBe(0);
    pins.pin('carol-app', 'kmallory');
    pins.pin('dave-app', 'kmallory'); // Mallory's proof under dave-app releases carol-app
    expect([pins.keyOf('carol-app'), pins.keyOf('dave-app'), pins.size]).toEqual([undefined, 'kmallory', 1]);
    pins.pin('kmallory', 'kmallory'); // and under her key-derived id: releases dave-app, pins nothing
    expect(pins.size).toBe(0);
    pins.pin('carol-app', 'kcarol'); // a released app id pins the next key proven under it
    pins.pin('carol-app', 'kmallory');
    expect([pins.keyOf('carol-app'), pins.allows('carol-app', 'kmallory', 0)]).toEqual(['kcarol', false]);
  });
});
