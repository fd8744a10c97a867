/**
 * Join tokens: JWT HS256 with a `room` claim and `exp`, optionally `sub` naming the peer id.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { ErrorCode } from '@pulsemesh/signal';
import type { PeerId, RoomId } from '@pulsemesh/signal';

/** Outcome of checking a join token. */
export type TokenCheck =
  | { ok: true }
  | {
      ok: false;
      code: typeof ErrorCode.unauthorized | typeof ErrorCode.tokenExpired | typeof ErrorCode.wrongRoom;
      message: string;
    };

/** Options of `mintToken`. */
export interface MintTokenOptions {
  /** The shared secret the server has (`tokenSecret`), at least 32 bytes. */
  secret: string;
  /** Room the token admits to. `*` admits to any room (operators only). */
  room: RoomId;
  /** Seconds until the token expires. Default 3,600. Negative values mint expired tokens (tests). */
  ttlSeconds?: number;
  /** When set, only this peer id may use the token (`sub` claim). */
  peer?: PeerId;
  /** Clock, seconds since the epoch. Default now. */
  nowSeconds?: number;
}

const encoder = new TextEncoder();

/** Mints a join token for `room` (HS256). For operators (CLI `mint-token`) and tests. */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ room: options.room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 3600));
  if (options.peer !== undefined) jwt.setSubject(options.peer);
  return jwt.sign(encoder.encode(options.secret));
}

/** Verifies that `token` admits `peer` to `room`. Never throws. */
export async function checkJoinToken(
  secret: Uint8Array,
  token: string | undefined,
  room: RoomId,
  peer: PeerId,
): Promise<TokenCheck> {
  if (token === undefined) return { ok: false, code: ErrorCode.unauthorized, message: 'token required' };
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'room'],
    });
    if (payload['room'] !== room && payload['room'] !== '*') {
      return { ok: false, code: ErrorCode.wrongRoom, message: 'token is for another room' };
    }
    if (payload.sub !== undefined && payload.sub !== peer) {
      return { ok: false, code: ErrorCode.wrongRoom, message: 'token is for another peer id' };
    }
    return { ok: true };
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      return { ok: false, code: ErrorCode.tokenExpired, message: 'token expired' };
    }
    const name = err instanceof Error ? err.name : 'Error';
    return { ok: false, code: ErrorCode.unauthorized, message: `invalid token (${name})` };
  }
}
