/**
 * Rosters: what a peer gets when it joins (the room's other peers, local and remote) and, with
 * TURN, ICE servers with a credential of its own, re-sent before that credential expires.
 */
import { MessageType, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { PeerId, RoomId, ServerMessage } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import type { Outbound } from './outbound.js';
import type { Rooms } from './rooms.js';
import { iceServersFor, turnRenewAfterMs, type TurnOptions } from './turn-credentials.js';

/**
 * Sends `peer` its roster; with TURN, again every `renewAfterSeconds` while it stays joined on
 * this socket, so its credential is renewed before it expires (new links use the fresh one).
 */
export function sendRoster(
  out: Outbound,
  rooms: Rooms,
  turn: TurnOptions | undefined,
  conn: Connection,
  room: RoomId,
  peer: PeerId,
): void {
  out.send(conn, roster(rooms, turn, room, peer));
  if (!turn) return;
  clearTimeout(conn.turnRenewals.get(room));
  const timer = setTimeout(() => {
    conn.turnRenewals.delete(room);
    if (!conn.closed && conn.rooms.get(room) === peer && rooms.local(room, peer)?.conn === conn)
      sendRoster(out, rooms, turn, conn, room, peer);
  }, turnRenewAfterMs(turn));
  timer.unref();
  conn.turnRenewals.set(room, timer);
}

/** The roster for `peer`: the others, and ICE servers with a credential of its own (TURN). */
function roster(rooms: Rooms, turn: TurnOptions | undefined, room: RoomId, peer: PeerId): ServerMessage {
  const peers = rooms.peers(room).filter((p) => p !== peer);
  if (!turn) return { v: PROTOCOL_VERSION, t: MessageType.roster, room, peers };
  return {
    v: PROTOCOL_VERSION,
    t: MessageType.roster,
    room,
    peers,
    iceServers: iceServersFor(turn, peer, Date.now()),
  };
}
