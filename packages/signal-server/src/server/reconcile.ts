/**
 * Anti-entropy between an instance's view of its rooms and the rosters in Redis.
 */
import type { Logger } from 'pino';
import type { PeerId, RoomId } from '@pulsemesh/signal';
import type { Rooms } from './rooms.js';
import type { RedisScaleOut, ScaleOutHandlers } from './scale-out.js';

/**
 * Re-reads the rosters of the hub's local rooms; releases entries of dead instances (their leave
 * reaches every instance through pub/sub) and repairs the hub's remote view where a pub/sub
 * message was missed or raced the join snapshot. Entries that appeared in the view while the
 * snapshot was in flight are left alone (the next round sees them).
 */
export async function reconcile(
  hub: ScaleOutHandlers & { rooms: Rooms },
  bus: RedisScaleOut,
  self: string,
  log: Logger,
): Promise<void> {
  const before = new Map<RoomId, Map<PeerId, string>>();
  for (const [room, peer, instanceId] of hub.rooms.remoteEntries()) {
    let members = before.get(room);
    if (!members) before.set(room, (members = new Map()));
    members.set(peer, instanceId);
  }
  const snapshots = await bus.rosters([...hub.rooms.rooms()]);
  const instances = new Set<string>();
  for (const members of snapshots.values()) {
    for (const i of members.values()) if (i !== self) instances.add(i);
  }
  const live = await bus.alive([...instances]);
  for (const [room, members] of snapshots) {
    for (const [peer, instanceId] of members) {
      if (instanceId === self || hub.rooms.local(room, peer)) continue;
      if (!live.has(instanceId)) {
        if (await bus.release(room, peer, instanceId)) {
          log.info({ room, peer, deadInstance: instanceId }, 'released peer of dead instance');
        }
      } else if (hub.rooms.remote(room, peer) !== instanceId && !before.get(room)?.has(peer)) {
        hub.onJoin(room, peer, instanceId);
      }
    }
    for (const [peer, instanceId] of before.get(room) ?? []) {
      if (members.get(peer) !== instanceId) hub.onLeave(room, peer, instanceId);
    }
  }
}
