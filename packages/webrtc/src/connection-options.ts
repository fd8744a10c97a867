// The options of a `ConnectionManager`, their defaults and what it reports upwards.
import type { PeerId } from '@pulsemesh/core';
import { defaultBackoff, type BackoffOptions } from './backoff.js';
import type { Identity } from './identity.js';
import type { LinkSignal } from './link-signal.js';
import { strangerBudgetFor, type StrangerBudgetOptions } from './stranger-budget.js';

/** Options of a {@link ConnectionManager}. */
export interface ConnectionManagerOptions {
  localId: PeerId;
  /**
   * This peer's key pair (its id is `identity.id`): every offer and answer it sends carries a link
   * proof, a signature over its DTLS fingerprints (`link-proof.ts`). Links *to* key-derived ids
   * need such a proof whether or not this peer has a key. Default none (a plain id proves nothing).
   */
  identity?: Identity | undefined;
  /** Sends a link signal to a peer through the signaling server (best effort). */
  sendSignal(to: PeerId, payload: LinkSignal): void;
  /** Links this peer opens or asks for (connecting + open). Default 32: a browser page holds far
   * fewer than Chromium's 500 RTCPeerConnections, and links never churn, so closed ones do not
   * pile up. In rooms larger than this, each peer links to a random subset. */
  maxConnections?: number;
  /** Hard cap including links others asked for. Default `maxConnections + max(2, ⌈maxConnections/4⌉)`:
   * the slack lets a peer whose choices are all full still find a link. */
  acceptConnectionsMax?: number;
  /** Wait before asking a peer that answered `busy` again (ms, jittered ×[0.5, 1)). Default 30,000. */
  busyRetryMs?: number;
  iceServers?: RTCIceServer[];
  /** Node only: address ICE binds to (`127.0.0.1` for loopback). */
  bindAddress?: string | undefined;
  /** Give up on a link that has not opened after this long (ms). Default 15,000. */
  connectTimeoutMs?: number;
  /** How long the non-initiator waits for an offer before asking for one (ms). Default 1,500:
   * in a full mesh the initiator dials on its own, so the request is rarely needed. */
  dialRequestGraceMs?: number;
  /** A link open this long (ms) resets its backoff. Default 10,000. */
  stableLinkMs?: number;
  backoff?: BackoffOptions;
  /** Largest reliable message accepted (bytes). Default 1 MiB. */
  reliableMessageBytesMax?: number;
  /**
   * Links one member may make this peer build (its offers in a new session, its dial requests): a
   * token bucket of `sessions`, refilled at `sessions` per `windowMs` (decision 0050). Past it, its
   * offer is not answered and nothing is built (counted `sessionsRefused`; `busy` at most once a
   * refill). Default 10 per 60,000 ms: an honest member's retries back off from 0.5 s to 15–30 s
   * and reset only after a link held `stableLinkMs`, so it makes at most ~8 in its worst minute
   * and 6 a minute after.
   */
  sessionBudget?: { sessions: number; windowMs: number };
  /**
   * Links all strangers together may make this peer build (members no link to which held
   * `stableLinkMs`, or whose last link closed without opening): a shared token bucket, a token
   * back when the link opens, the last `reserved` for a newcomer displacing an unheard link
   * (decisions 0056 and 0064, `stranger-budget.ts`). Default `links` max(8, ⌈maxConnections / 2⌉)
   * + 2, `reserved` 2, per 60,000 ms; unheard after 500 ms (a link built in a burst) or 5,000 ms
   * (built at ease: at most `reserved` other strangers' links charged).
   */
  strangerBudget?: StrangerBudgetOptions;
  /** Most peers tracked (roster + signal senders). Default 4,096. */
  knownPeersMax?: number;
  /** Randomness in [0, 1) for backoff jitter and subset choice. Default `Math.random`. */
  random?: () => number;
  handlers: ConnectionHandlers;
}

/** What the manager reports upwards. */
export interface ConnectionHandlers {
  linkUp?(peer: PeerId): void;
  linkDown?(peer: PeerId, reason: string): void;
  heartbeat?(peer: PeerId, bytes: Uint8Array): void;
  /** A whole reliable message (tagged); a returned error is counted as a link error. */
  reliable?(peer: PeerId, bytes: Uint8Array): string | void;
  /** An operating error (bad signal, link error); counted, never thrown. */
  error?(peer: PeerId, error: string): void;
}

/** The tunable options with their defaults filled in. */
export type ResolvedConnectionOptions = Required<
  Omit<ConnectionManagerOptions, 'localId' | 'bindAddress' | 'handlers' | 'sendSignal' | 'identity'>
> &
  Pick<ConnectionManagerOptions, 'bindAddress'>;

/**
 * Fills in the defaults documented on {@link ConnectionManagerOptions}. Throws a `RangeError` on
 * a programmer error: `maxConnections` below 1, `acceptConnectionsMax` below it, or an `identity`
 * whose id is not `localId`.
 */
export function resolveConnectionOptions(options: ConnectionManagerOptions): ResolvedConnectionOptions {
  const maxConnections = options.maxConnections ?? 32;
  if (!(maxConnections >= 1)) throw new RangeError('maxConnections must be at least 1');
  const acceptConnectionsMax =
    options.acceptConnectionsMax ?? maxConnections + Math.max(2, Math.ceil(maxConnections / 4));
  if (acceptConnectionsMax < maxConnections)
    throw new RangeError('acceptConnectionsMax must be at least maxConnections');
  const budget = options.sessionBudget;
  if (budget && !(budget.sessions >= 1 && budget.windowMs > 0))
    throw new RangeError('sessionBudget needs sessions >= 1 and windowMs > 0');
  if (options.identity && options.identity.id !== options.localId)
    throw new RangeError('identity.id must be localId');
  return {
    maxConnections,
    acceptConnectionsMax,
    busyRetryMs: options.busyRetryMs ?? 30_000,
    iceServers: options.iceServers ?? [],
    bindAddress: options.bindAddress,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    stableLinkMs: options.stableLinkMs ?? 10_000,
    dialRequestGraceMs: options.dialRequestGraceMs ?? 1_500,
    backoff: options.backoff ?? defaultBackoff,
    reliableMessageBytesMax: options.reliableMessageBytesMax ?? 1 << 20,
    knownPeersMax: options.knownPeersMax ?? 4_096,
    sessionBudget: options.sessionBudget ?? { sessions: 10, windowMs: 60_000 },
    strangerBudget: options.strangerBudget ?? strangerBudgetFor(maxConnections),
    random: options.random ?? Math.random,
  };
}
