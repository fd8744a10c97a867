// Node meshes over a real signaling server (port 0) and real WebRTC (node-datachannel on
// 127.0.0.1): membership agreement, crash → failed, graceful leave → left. Run through netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import { livePeerConnectionCount } from './link.js';
import { stateOf, TestRoom } from './mesh-test-support.js';
import { until } from './test-helpers.js';

let room: TestRoom | undefined;

afterEach(async () => {
  await room?.close();
  room = undefined;
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection closed');
});

function agreed(ids: string[]): boolean {
  return room!.meshes.every((m) => ids.every((id) => id === m.localId || stateOf(m, id) === 'healthy'));
}

describe('Mesh (Node peers, real signaling server)', () => {
  it('two peers connect and agree on membership; a graceful leave shows as left', async () => {
    room = await TestRoom.start();
    const a = room.join('node-a');
    const presence: string[] = [];
    a.addEventListener('presence', (e) => {
      const { peer, present } = (e as CustomEvent<{ peer: string; present: boolean }>).detail;
      presence.push(`${peer}:${present}`);
    });
    const b = room.join('node-b');
    await until(() => agreed(['node-a', 'node-b']), 10_000, 'both healthy');
    expect(a.signalState()).toBe('connected');
    expect(presence).toEqual(['node-b:true']); // once, from a's roster or b's join, whichever came
    expect(a.signalPresent('node-b')).toBe(true); // the server holds b's session
    expect(a.signalPresent('nobody')).toBe(false);
    expect([...a.transport.linkedPeers()]).toEqual(['node-b']);
    await until(
      () => (a.transport.manager.link('node-b')?.counters.heartbeatsReceived ?? 0) >= 3,
      5_000,
      'probes over the heartbeat channel',
    );
    const [report] = await a.linkReports();
    expect(report?.peer).toBe('node-b');
    expect(report!.heartbeatsReceived).toBeGreaterThan(0);

    const started = performance.now();
    await b.leave();
    await until(() => stateOf(a, 'node-b') === 'left', 2_000, 'a to mark b left');
    // The server's peer-leave may come after the mesh's own goodbye.
    await until(() => !a.signalPresent('node-b'), 5_000, 'the server to tell a that b left');
    expect(presence).toEqual(['node-b:true', 'node-b:false']);
    console.log(`graceful leave → left in ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('five peers agree on membership; a crashed peer is marked failed by all others', async () => {
    room = await TestRoom.start();
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    for (const id of ids) room.join(id);
    await until(() => agreed(ids), 20_000, 'all five healthy everywhere');

    const victim = room.meshes[2]!;
    const others = room.meshes.filter((m) => m !== victim);
    const started = performance.now();
    victim.faults.crash();
    await until(
      () => others.every((m) => stateOf(m, victim.localId) === 'failed'),
      15_000,
      'failed everywhere',
    );
    console.log(`crash → failed at all 4 others in ${(performance.now() - started).toFixed(0)} ms`);
    // Its signaling socket went with it: failed, not "alive but unreachable".
    for (const m of others) expect(m.signalPresent(victim.localId)).toBe(false);
    expect(others[0]!.signalPresent(others[1]!.localId)).toBe(true);
    for (const m of others)
      for (const id of ids)
        if (id !== victim.localId && id !== m.localId) expect(stateOf(m, id)).toBe('healthy');
  });

  it('uses the TURN credentials the signaling server hands out with the roster (own servers first)', async () => {
    const turn = { secret: 'test-secret-0123456789', urls: ['turn:203.0.113.10:443?transport=udp'] };
    room = await TestRoom.start('turn-room', { turn });
    const own = { urls: 'stun:192.0.2.1:3478' };
    const a = room.join('node-a', { iceServers: [own] });
    const b = room.join('node-b');
    await until(() => a.signalState() === 'connected', 5_000, 'a joined');
    const servers = a.transport.manager.iceServers();
    expect(servers[0]).toEqual(own);
    expect(servers[1]).toMatchObject({ urls: turn.urls, username: expect.stringMatching(/^\d+:node-a$/) });
    // The TURN address does not exist here (loopback only): host candidates still link the two.
    await until(() => agreed(['node-a', 'node-b']), 15_000, 'both healthy');
    expect(b.transport.manager.iceServers()[0]).toMatchObject({
      username: expect.stringMatching(/:node-b$/),
    });
  });
});
