/**
 * TURN credentials by the TURN REST API convention (draft-uberti-behave-turn-rest, what coturn's
 * `use-auth-secret` checks): username `<expiry unix seconds>:<user>`, password
 * `base64(HMAC-SHA1(secret, username))`. The server shares the secret with the TURN server only;
 * each joined peer gets its own time-limited username with the roster, so no secret reaches a page.
 */
import { createHmac } from 'node:crypto';
import type { IceServerInfo } from '@pulsemesh/signal';

/** TURN settings of the signaling server (`SignalServerOptions.turn`). */
export interface TurnOptions {
  /** coturn's `static-auth-secret`. At least 16 bytes. */
  secret: string;
  /** ICE server URLs handed to every peer, e.g. `turn:turn.example:3478?transport=udp`,
   * `turn:turn.example:443?transport=tcp`, `turns:…`, `stun:…`. */
  urls: readonly string[];
  /** Lifetime of a minted credential, seconds. Default 86,400 (a day). A credential is checked
   * when a relay is allocated (coturn keeps the key for the allocation's later refreshes, so a
   * relayed link outlives its credential: `bench-results/field.json` `renewal`); peers get new
   * ones on every (re)join and, while they stay joined, every `renewAfterSeconds`, so every new
   * link starts on a valid one. */
  ttlSeconds?: number;
  /** While a peer stays joined, the server sends it a fresh roster (with fresh credentials) this
   * often, seconds. Default half the lifetime; at least 1, less than `ttlSeconds`. */
  renewAfterSeconds?: number;
}

/** Default credential lifetime, seconds. */
export const TURN_TTL_SECONDS_DEFAULT = 86_400;

/** A TURN REST credential for `user`, valid until `nowMs / 1000 + ttlSeconds`. */
export function turnCredential(
  secret: string,
  user: string,
  nowMs: number,
  ttlSeconds: number,
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** How often a joined peer gets fresh credentials, ms (see `TurnOptions.renewAfterSeconds`). */
export function turnRenewAfterMs(turn: TurnOptions): number {
  const ttl = turn.ttlSeconds ?? TURN_TTL_SECONDS_DEFAULT;
  return (turn.renewAfterSeconds ?? ttl / 2) * 1000;
}

/** The `iceServers` of a roster for `peer`: every URL with one fresh credential. */
export function iceServersFor(turn: TurnOptions, peer: string, nowMs: number): IceServerInfo[] {
  const ttl = turn.ttlSeconds ?? TURN_TTL_SECONDS_DEFAULT;
  return [{ urls: [...turn.urls], ...turnCredential(turn.secret, peer, nowMs, ttl) }];
}

/** Checks TURN settings (programmer errors throw `RangeError`). */
export function validateTurnOptions(turn: TurnOptions): void {
  if (new TextEncoder().encode(turn.secret).length < 16)
    throw new RangeError('signal server: turn.secret must be at least 16 bytes');
  if (turn.urls.length === 0 || turn.urls.length > 8)
    throw new RangeError('signal server: turn.urls must list 1 to 8 URLs');
  for (const url of turn.urls)
    if (!/^(stun|stuns|turn|turns):/.test(url) || url.length > 512)
      throw new RangeError(`signal server: not a STUN/TURN URL: ${url}`);
  const ttl = turn.ttlSeconds ?? TURN_TTL_SECONDS_DEFAULT;
  if (!Number.isSafeInteger(ttl) || ttl < 60)
    throw new RangeError('signal server: turn.ttlSeconds must be an integer >= 60');
  const renew = turn.renewAfterSeconds;
  if (renew !== undefined && !(Number.isFinite(renew) && renew >= 1 && renew < ttl))
    throw new RangeError('signal server: turn.renewAfterSeconds must be >= 1 and < turn.ttlSeconds');
}
