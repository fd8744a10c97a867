/**
 * Who may join: the checks a join passes before the room logic looks at its peer id. Rooms per
 * socket, joins per IP address (decision 0047), the join token (HS256) and, for a key-derived id,
 * the proof of its key (decision 0012). Each refusal is counted and answered.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, needsKeyProof } from '@pulsemesh/signal';
import type { JoinMessage } from '@pulsemesh/signal';
import { checkJoinToken } from './auth.js';
import type { Connection } from './connection.js';
import { checkKeyProof } from './key-proof.js';
import { RejectReason } from './metrics.js';
import { joinBurstPerIp, type ResolvedOptions } from './options.js';
import type { Outbound } from './outbound.js';
import { BucketMap } from './rate-limiter.js';

/** Addresses with join budgets held before the full (idle) ones are pruned. */
const JOIN_BUDGETS_PRUNE_AT = 1024;

/** The admission checks of one server instance. */
export class Admission {
  readonly #o: ResolvedOptions;
  readonly #out: Outbound;
  readonly #secret: Uint8Array | undefined;
  /** Per IP address: its join budget (`joinsPerIpPerSecondMax`). */
  readonly #joinBudgets: BucketMap;

  constructor(options: ResolvedOptions, out: Outbound) {
    this.#o = options;
    this.#out = out;
    this.#secret =
      options.tokenSecret === undefined ? undefined : new TextEncoder().encode(options.tokenSecret);
    const joinsPerS = options.joinsPerIpPerSecondMax;
    this.#joinBudgets = new BucketMap(joinsPerS, joinBurstPerIp(options), JOIN_BUDGETS_PRUNE_AT);
  }

  /**
   * Whether `msg`, a join of a room `conn` is not in yet, may go on; when not, the refusal was
   * counted and answered (or the socket closed while its token was checked).
   */
  async admit(conn: Connection, msg: JoinMessage): Promise<boolean> {
    const { room, peer } = msg;
    if (conn.rooms.size >= this.#o.roomsPerSocketMax) {
      const message = `at most ${this.#o.roomsPerSocketMax} rooms per socket`;
      this.#out.refuse(conn, ErrorCode.tooManyRooms, message, room);
      return false;
    }
    if (!this.#joinBudgets.take(conn.ip, performance.now())) {
      this.#out.reject(RejectReason.joinRate);
      const message = `more than ${this.#o.joinsPerIpPerSecondMax} joins/s from this address; retry`;
      this.#out.error(conn, ErrorCode.unavailable, message, room);
      return false;
    }
    if (this.#secret) {
      const check = await checkJoinToken(this.#secret, msg.token, room, peer);
      if (!check.ok) {
        this.#out.refuse(conn, check.code, check.message, room);
        return false;
      }
      if (conn.closed) return false;
    }
    // On top of any token: a key-derived id only for the holder of its key (decision 0012).
    if (needsKeyProof(peer) && !checkKeyProof(msg, conn.nonce)) {
      this.#out.reject(RejectReason.keyProof);
      this.#out.error(conn, ErrorCode.unauthorized, 'key proof missing or invalid for this peer id', room);
      return false;
    }
    return true;
  }
}
