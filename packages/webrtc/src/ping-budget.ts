/**
 * A per-member budget of pings answered (decision 0050). Every ping the detector receives is
 * answered with an ack, so a member that floods pings makes this peer decode, encode and send at
 * the flood's rate (session 19's review: 20,000 pings in a burst, 20,000 acks sent back in ~3 s).
 * A token bucket per linked member, in front of the detector, drops the pings past its budget
 * before they are decoded: counted (`counters.pingsThrottled`), never answered, never thrown.
 * Other message types pass untouched (ping-reqs: core drops one naming its receiver and gives each
 * requester a relay-job budget, decision 0056).
 *
 * The budget comes from the detector's own configuration ({@link pingBudgetFor}), sized so that an
 * honest member never reaches it: twice the most pings one member can send this peer in a period,
 * at the shortest period, plus a burst that holds every relay job it may run at once.
 */
import { MessageType, WIRE_VERSION, type DetectorConfig, type PeerId, type Transport } from '@pulsemesh/core';
import { fullBucket, takeToken, type TokenBucket } from './token-bucket.js';

/** A token bucket's size: sustained rate and burst. */
export interface PingBudgetLimits {
  /** Pings per second a member may send and have answered, sustained. */
  pingsPerSecond: number;
  /** Pings a member may send at once (the bucket's capacity). */
  burstPings: number;
}

/**
 * The most pings one honest member sends this peer in one protocol period, all at once (each
 * term is core's own count): its probe round of us (a direct ping, a retry pair, the suspicion's
 * buddy ping: 4, `probe.ts`), its watch of us as a suspect (1, `watch`), the follow-up of an
 * unanswered ping (1, `followSilences`), a check of an accusation about us (`CHECK_PINGS` = 2),
 * a witnessed check (`WITNESS_PINGS` = 3), and the relay jobs other members' rounds give it about
 * us (2 pings each; each round asks `indirectChecks` + 1 relays at most, so with every member
 * probing us at once, after a witness, a relay takes about that many jobs a period).
 */
export function honestPingsPerPeriodMax(config: Pick<DetectorConfig, 'indirectChecks'>): number {
  return 4 + 1 + 1 + 2 + 3 + 2 * (config.indirectChecks + 1);
}

/**
 * The default budget for a detector running `config`: `pingsPerSecond` = 2 × the honest peak
 * ({@link honestPingsPerPeriodMax} per `probeIntervalMsMin`), and `burstPings` = every relay job
 * at once (2 pings each, `relayJobsMax`) plus one period's peak. Defaults (`browser`, `node`,
 * `lan`: period ≥ 200 ms, 3 relays, 64 relay jobs): 190 pings/s, burst 147; `wan` (≥ 500 ms): 76/s.
 */
export function pingBudgetFor(
  config: Pick<DetectorConfig, 'indirectChecks' | 'probeIntervalMsMin' | 'relayJobsMax'>,
): PingBudgetLimits {
  const perPeriod = honestPingsPerPeriodMax(config);
  return {
    pingsPerSecond: Math.ceil((2 * perPeriod * 1000) / config.probeIntervalMsMin),
    burstPings: 2 * config.relayJobsMax + perPeriod,
  };
}

/** Whether `bytes` is an encoded ping (header: version, type), read without decoding it. */
export function isPing(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === WIRE_VERSION && bytes[1] === MessageType.ping;
}

/** See the file comment. One bucket per member, dropped when its link goes down. */
export class PingBudget {
  readonly limits: PingBudgetLimits;
  /** `pingsThrottled`: pings dropped past a member's budget (never answered). */
  readonly counters = { pingsThrottled: 0 };
  #buckets = new Map<PeerId, TokenBucket>();
  #throttledBy = new Map<PeerId, number>();

  constructor(limits: PingBudgetLimits) {
    if (!(limits.pingsPerSecond > 0 && limits.burstPings >= 1))
      throw new RangeError('a ping budget needs pingsPerSecond > 0 and burstPings >= 1');
    this.limits = limits;
  }

  /** Whether the message `bytes` from `from` may go on to the detector (false: throttled, counted). */
  admit(from: PeerId, bytes: Uint8Array, nowMs: number): boolean {
    if (!isPing(bytes)) return true;
    const { pingsPerSecond, burstPings } = this.limits;
    let bucket = this.#buckets.get(from);
    if (bucket === undefined) this.#buckets.set(from, (bucket = fullBucket(burstPings, nowMs)));
    if (takeToken(bucket, nowMs, pingsPerSecond, burstPings)) return true;
    this.counters.pingsThrottled += 1;
    this.#throttledBy.set(from, (this.#throttledBy.get(from) ?? 0) + 1);
    return false;
  }

  /** Pings of `peer` throttled while its link was up (0 once it went down). */
  throttledFrom(peer: PeerId): number {
    return this.#throttledBy.get(peer) ?? 0;
  }

  /** `peer`'s link went down: its bucket goes (a new link starts with a full one). */
  forget(peer: PeerId): void {
    this.#buckets.delete(peer);
    this.#throttledBy.delete(peer);
  }
}

/**
 * `transport` as the detector sees it through `budget`: inbound pings past a member's budget never
 * reach `onMessage` handlers, and a member's bucket is forgotten when its link goes down.
 */
export function throughPingBudget(transport: Transport, budget: PingBudget, nowMs: () => number): Transport {
  return {
    localId: transport.localId,
    get maxMessageBytes() {
      return transport.maxMessageBytes;
    },
    send: (to, bytes) => transport.send(to, bytes),
    linkedPeers: () => transport.linkedPeers(),
    onMessage: (handler) =>
      transport.onMessage((from, bytes) => {
        if (budget.admit(from, bytes, nowMs())) handler(from, bytes);
      }),
    onLinkChange: (handler) =>
      transport.onLinkChange((peer, up) => {
        if (!up) budget.forget(peer);
        handler(peer, up);
      }),
  };
}
