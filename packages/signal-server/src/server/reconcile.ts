/**
 * Anti-entropy between an instance's view of its rooms and the rosters in Redis.
 */
import type { Logger } from 'pino';
import type { PeerId, RoomId } from '@pulsemesh/signal';
import type { LocalMember, Rooms } from './rooms.js';
import type { RedisScaleOut, ScaleOutHandlers } from './scale-out.js';

/** What `reconcile` keeps between rounds. */
export interface ReconcileState {
  /** Rooms whose roster Redis lost (a local entry vanished), until when (ms, `Date.now`) to wait. */
  readonly lostUntil: Map<RoomId, number>;
  /** How long after a loss the others get to write their entries back (decision 0041). */
  readonly graceMs: number;
  /** Counts local entries written back. */
  readonly onReclaimed: (count: number) => void;
}

/**
 * Re-reads the rosters of the hub's local rooms; releases entries of dead instances (their leave
 * reaches every instance through pub/sub) and repairs the hub's remote view where a pub/sub
 * message was missed or raced the join snapshot. Entries that appeared in the view while the
 * snapshot was in flight are left alone (the next round sees them).
 *
 * A roster that lost this instance's entries of its own members (Redis restarted without
 * persistence: this instance never released them) is written back (only where absent), so a join
 * elsewhere cannot find those ids free; for `graceMs` after such a loss, a live-looking instance
 * with no entry left in that room is missing data, not leaves (decision 0041).
 */
export async function reconcile(
  hub: ScaleOutHandlers & { rooms: Rooms },
  bus: RedisScaleOut,
  self: string,
  log: Logger,
  state: ReconcileState,
): Promise<void> {
  const before = new Map<RoomId, Map<PeerId, string>>();
  for (const [room, peer, instanceId] of hub.rooms.remoteEntries()) {
    let members = before.get(room);
    if (!members) before.set(room, (members = new Map()));
    members.set(peer, instanceId);
  }
  // Local members whose claim had answered before the snapshot was asked for.
  const mine = new Map<RoomId, [PeerId, LocalMember][]>();
  for (const room of hub.rooms.rooms()) {
    mine.set(room, [...hub.rooms.localMembers(room)]);
  }
  const snapshots = await bus.rosters([...hub.rooms.rooms()]);
  const instances = new Set<string>();
  for (const members of snapshots.values()) {
    for (const i of members.values()) if (i !== self) instances.add(i);
  }
  const live = await bus.alive([...instances]);
  const now = Date.now();
  for (const [room, until] of state.lostUntil) if (until <= now) state.lostUntil.delete(room);
  for (const [room, members] of snapshots) {
    const lost = (mine.get(room) ?? []).filter(
      ([peer, m]) => !members.has(peer) && hub.rooms.local(room, peer) === m,
    );
    if (lost.length > 0) {
      state.lostUntil.set(room, now + state.graceMs);
      const written = await bus.reclaim(
        room,
        lost.map(([peer, m]) => [peer, m.claimHash]),
      );
      state.onReclaimed(written);
      log.warn(
        { room, lost: lost.length, written },
        'roster lost local peers (Redis data loss?): re-claimed',
      );
    }
    for (const [peer, instanceId] of members) {
      if (instanceId === self || hub.rooms.local(room, peer)) continue;
      if (!live.has(instanceId)) {
        if (await bus.release(room, peer, instanceId)) {
          log.info({ room, peer, deadInstance: instanceId }, 'released peer of dead instance');
          // Now, not when the leave comes back over pub/sub: a join of that id here is no
          // longer refused as a lost entry (decision 0041).
          hub.onLeave(room, peer, instanceId);
        }
      } else if (hub.rooms.remote(room, peer) !== instanceId && !before.get(room)?.has(peer)) {
        hub.onJoin(room, peer, instanceId);
      }
    }
    const waiting = state.lostUntil.has(room);
    const present = new Set(members.values());
    for (const [peer, instanceId] of before.get(room) ?? []) {
      if (members.get(peer) === instanceId) continue;
      // Every entry of that instance gone after a loss: wait for its re-claim (or the grace's end).
      if (waiting && !present.has(instanceId)) continue;
      hub.onLeave(room, peer, instanceId);
    }
  }
}
