/**
 * Detector configuration: every knob with its unit in the name, its default (the `lan` preset), the
 * trade-off, and the pure function that turns it into a timeout. `config.test.ts` checks the examples.
 */
import { InvalidConfigError } from './errors.js';

/** Detector configuration. Start from a preset: `{ ...presets.lan, probeIntervalMs: 500 }`. */
export interface DetectorConfig {
  /**
   * Initial protocol period (ms): one member is probed per period. Default 250. Shorter detects
   * sooner and costs more messages: each peer sends about `2 / probeIntervalMs` probes+acks per ms.
   * Every live peer is probed by someone about once a period, so a crash is first probed within
   * about `4.6 × probeIntervalMs` at p99 (the wait for the first probe is roughly exponential).
   * The period then adapts within `[probeIntervalMsMin, probeIntervalMsMax]` (`adaptProtocolPeriodMs`).
   * Also the time unit of suspicion timeouts (`suspicionTimeoutMsMin`).
   */
  probeIntervalMs: number;
  /** Shortest adaptive period (ms), used on a lossy or jittery network. Default 200. */
  probeIntervalMsMin: number;
  /** Longest adaptive period (ms), drifted to on a calm network to save bandwidth. Default 300. */
  probeIntervalMsMax: number;
  /**
   * Probe timeout bounds (ms). The timeout of a direct probe is `clamp(srtt + k × rttvar, min, max)`
   * (`probeTimeoutMs`), then × `(1 + localHealthScore)`. A link without an RTT sample yet uses the
   * estimate over all links (same network); `max` only before any sample at all.
   * Default [50, 250]: a LAN ack takes < 5 ms, so 50 ms tolerates scheduling hiccups.
   */
  probeTimeoutMsMin: number;
  probeTimeoutMsMax: number;
  /** `k` in `srtt + k × rttvar` (RFC 6298 uses 4). Default 4. Larger: fewer false timeouts, slower. */
  probeTimeoutRttVarMult: number;
  /**
   * Members asked to probe a target indirectly (ping-req) after a missed direct ack. Default 3
   * (memberlist). More relays: fewer false suspicions from one bad link, more traffic.
   * One more is used on a bad network (`indirectChecksFor`).
   */
  indirectChecks: number;
  /**
   * Suspicion minimum: `suspicionMult × max(1, log10(N)) × probeIntervalMs` (`suspicionTimeoutMsMin`).
   * Default 1.5 → 375 ms for N ≤ 10 and 750 ms at N = 100 (at 250 ms). Larger: more time to
   * refute, slower detection. The suspect hears of it within one link delay (the accuser's pings
   * carry it) and its refutation goes straight back, so this needs to cover a few round trips and
   * the longest pause a live peer may take, not gossip rounds.
   */
  suspicionMult: number;
  /**
   * Suspicion maximum = `suspicionMaxTimeoutMult × minimum` (`suspicionTimeoutMsMax`); the timeout
   * starts here and shrinks with confirmations (`suspicionTimeoutMs`). Default 6 → 4.5 s at N = 100.
   */
  suspicionMaxTimeoutMult: number;
  /** Confirmations after which the suspicion is at its minimum, capped at N − 2. Default 3. */
  suspicionConfirmations: number;
  /**
   * Phi accrual gate: a peer is declared failed only once its suspicion timer expired AND its phi
   * (`phi`, over gaps between its messages) reached this threshold, but never later than the
   * no-confirmation maximum. So a peer whose messages are naturally irregular gets up to
   * `phiTimeoutMs(mean, std, threshold)` of silence. Default 5 (≈ 1e-5 chance a live peer is this quiet; ≈ mean + 4.1 σ of silence).
   */
  phiThreshold: number;
  /** Floor of the inter-arrival standard deviation (ms), so a metronome peer is not over-trusted. Default 200. */
  phiStdMsMin: number;
  /** Suspicion patience multiplier for a peer whose last reported lifecycle is `hidden`. Default 3. */
  hiddenPatienceMult: number;
  /**
   * Suspicion patience multiplier for a `frozen` peer (browser froze the tab; it cannot answer but
   * will resume). It stays `suspected` (UIs show "frozen") this much longer before `failed`. Default 10.
   */
  frozenPatienceMult: number;
  /**
   * Dissemination: each update is piggybacked `retransmitMult × ceil(log10(N + 1))` times
   * (`retransmitLimit`). Default 4. Larger: more robust spread, more bytes.
   */
  retransmitMult: number;
  /**
   * Push fanout: a peer that accepts a new `failed` verdict, or sees a `failed` peer refute it, sends
   * the update at once to this many random direct links (besides piggybacking it); the peer that
   * declares the failure, and a peer refuting its own failure, push to every direct link. Verdicts
   * are rare, so this costs little and makes them reach N peers in O(log N / log fanout) hops of
   * one link delay each, instead of O(log N) protocol periods. Default 4 (each peer then receives
   * about 4 copies: the chance one is missed by the push is ≈ e^-4 ≈ 2 %, and piggybacking covers it).
   */
  pushFanout: number;
  /** Byte budget for piggybacked updates per message. Default 512. */
  piggybackBytesMax: number;
  /**
   * Largest message this detector builds (bytes); lowered to the transport's `maxMessageBytes` by the
   * runtime. Full-state syncs are chunked to fit. Default 1024 (the transport contract minimum).
   */
  messageBytesMax: number;
  /** Consecutive good probes a `recovering` peer needs before it is `healthy`. Default 3. */
  recoveryStreakProbes: number;
  /** Lifeguard local health ceiling: timeouts stretch by up to `1 + max`. Default 8 (memberlist). */
  localHealthMax: number;
  /** A timer firing later than this (ms) counts as a local health strike (≤ 1 per period). Default 100. */
  timerLateMsMax: number;
  /** Every this many probes the period is re-evaluated (`adaptProtocolPeriodMs`). Default 8. */
  intervalAdaptEveryProbes: number;
  /** Loss ratio treated as fully bad by the interval rule. Default 0.1. */
  lossRatioHigh: number;
  /** rttvar/srtt treated as fully bad by the interval rule. Default 0.5. */
  jitterRatioHigh: number;
  /**
   * Most members known at once. Beyond it, a new directly linked peer evicts a gossip-only member
   * (failed or left first, then the longest unchanged); gossip about unknown peers is dropped and
   * counted (`stats().membersDropped`). Default 1024.
   */
  membersMax: number;
  /** Concurrent indirect probes this peer relays for others; more are nacked. Default 64. */
  relayJobsMax: number;
  /** History entries kept per peer, oldest dropped first. Default 1000. */
  historyPerPeerMax: number;
  /**
   * How long a `failed` or `left` member stays in the live view before it is reaped into the past
   * members (ms; `Infinity` never reaps). Default 30,000: memberlist's `GossipToTheDeadTime` (LAN),
   * after which it drops dead nodes from its node list in `resetNodes`. Long enough for every peer
   * to see the verdict and for a restarted peer to come back as the same member while it is still
   * listed (a reload takes a few seconds); short enough that health %, tier and `routable()` describe
   * the mesh as it is now within half a minute of a crash. A reaped peer still comes back as itself
   * (past members keep its incarnation). Shorter: the tier recovers sooner, and a peer that was
   * only unreachable (a partition longer than this) returns as a past member rather than a listed one.
   */
  reapAfterMs: number;
  /** Past members kept (oldest forgotten first), each with its last 64 history entries. Default 256. */
  pastMembersMax: number;
  /** Largest application metadata blob on acks (bytes). Default 64. */
  metadataBytesMax: number;
  /** Tier thresholds on the healthy percentage. Defaults 90 / 70 / 50. */
  healthyPercentMin: number;
  degradedPercentMin: number;
  criticalPercentMin: number;
}

const lan: DetectorConfig = {
  probeIntervalMs: 250, // each peer is probed by someone about every 250 ms: a crash is first probed within ~1 s (p99)
  probeIntervalMsMin: 200, // lossy LAN: probe a little sooner (5 pings/s/peer, still ~100 B/s)
  probeIntervalMsMax: 300, // calm LAN: save a little, but stay inside the detection budget (p99 ≤ 3 s)
  probeTimeoutMsMin: 50, // LAN RTT < 5 ms; 50 ms absorbs GC and scheduling pauses
  probeTimeoutMsMax: 250, // a LAN ack later than a period is as good as lost: the retry and relays cover it
  probeTimeoutRttVarMult: 4, // RFC 6298
  indirectChecks: 3, // memberlist; relays that try and fail are also the suspicion's first confirmations
  suspicionMult: 1.5, // 750 ms at N = 100: ~100 LAN round trips for a live suspect to hear of it and refute
  suspicionMaxTimeoutMult: 6, // memberlist: a lone, unconfirmed accuser waits 6× longer
  suspicionConfirmations: 3, // Lifeguard paper's K
  phiThreshold: 5, // 1e-5 false-positive odds per silence under the normal model
  phiStdMsMin: 200, // gaps between probes are irregular by design (random round-robin)
  hiddenPatienceMult: 3, // background tabs run timers at most once a second
  frozenPatienceMult: 10, // frozen tabs resume when the user comes back
  retransmitMult: 4, // memberlist
  pushFanout: 4, // ≈ 4 copies per peer: e^-4 ≈ 2 % miss the push and get the piggybacked copy
  piggybackBytesMax: 512, // leaves half of a 1 KiB message for the probe itself
  messageBytesMax: 1024, // the transport contract's minimum
  recoveryStreakProbes: 3, // three good probes in a row ≈ one flap-free round
  localHealthMax: 8, // memberlist AwarenessMaxMultiplier
  timerLateMsMax: 100, // 10 % of a period
  intervalAdaptEveryProbes: 8, // enough samples between decisions
  lossRatioHigh: 0.1, // 10 % loss: probe as fast as allowed
  jitterRatioHigh: 0.5, // rttvar at half the RTT: very jittery
  membersMax: 1024, // bounded memory (~1 KiB per member)
  relayJobsMax: 64, // bounded relay work
  historyPerPeerMax: 1000, // issue requirement
  reapAfterMs: 30_000, // memberlist GossipToTheDeadTime (LAN): every peer has the verdict by then
  pastMembersMax: 256, // a screenful of departed peers; ~10 KiB each with their last 64 entries
  metadataBytesMax: 64, // small app tags only; acks stay small
  healthyPercentMin: 90,
  degradedPercentMin: 70,
  criticalPercentMin: 50,
};

/**
 * Named presets. Each differs from `lan` only where its network differs; the reason is on the value.
 */
export const presets = {
  /** A data centre or home LAN: low RTT, rare loss. */
  lan,
  /** Peers across the internet: 50–300 ms RTT, bursty loss. */
  wan: {
    ...lan,
    probeIntervalMs: 1000, // RTTs are 100× a LAN's; probing faster mostly measures congestion
    probeIntervalMsMin: 500, // a lossy WAN: probe sooner, confirm more
    probeIntervalMsMax: 2000, // calm WAN: save bandwidth on metered links
    probeTimeoutMsMin: 200, // above typical intercontinental RTT
    probeTimeoutMsMax: 900, // 3× a 300 ms intercontinental RTT, inside the 1 s period
    suspicionMult: 3, // 6 s at N = 100: refutations cross a 300 ms RTT path many times over
    phiStdMsMin: 500, // gaps vary more over the internet
    piggybackBytesMax: 400, // stay under common path MTUs with headers
    reapAfterMs: 60_000, // memberlist's WAN GossipToTheDeadTime: verdicts take longer to spread
  } satisfies DetectorConfig,
  /** Browser tabs over WebRTC data channels (the default mesh). */
  browser: {
    ...lan,
    probeIntervalMs: 500, // 2 pings/s/tab: detection in a few seconds, far under ICE's ~7.6 s "disconnected"
    probeIntervalMsMin: 400, // tabs share a CPU; faster probing costs battery
    probeIntervalMsMax: 1000, // calm mesh of idle tabs: save battery
    suspicionMult: 3, // 3 s at N = 100: outlasts a 1 s long task plus a heavy-tailed refutation
    probeTimeoutMsMin: 100, // data channel RTT is 0.5–2 ms on loopback but JS event loops stall
    probeTimeoutMsMax: 800, // under the longest (1 s) period
    phiStdMsMin: 300, // tab timers are coarse (≥ 4 ms clamps, throttling)
    timerLateMsMax: 250, // hidden tabs fire timers up to 1 s late; count only real stalls
    membersMax: 256, // a tab holds a few dozen data channels at most
    messageBytesMax: 16_384, // SCTP messages above 16 KiB fragment badly across browsers
    piggybackBytesMax: 1024, // data channels carry larger messages comfortably
  } satisfies DetectorConfig,
} as const;

const positive: (keyof DetectorConfig)[] = [
  'probeIntervalMs',
  'probeIntervalMsMin',
  'probeIntervalMsMax',
  'probeTimeoutMsMin',
  'probeTimeoutMsMax',
  'suspicionMult',
  'suspicionMaxTimeoutMult',
  'phiThreshold',
  'phiStdMsMin',
  'hiddenPatienceMult',
  'frozenPatienceMult',
  'retransmitMult',
  'recoveryStreakProbes',
  'intervalAdaptEveryProbes',
  'lossRatioHigh',
  'jitterRatioHigh',
  'membersMax',
  'historyPerPeerMax',
  'reapAfterMs',
  'pastMembersMax',
];

/** Throws {@link InvalidConfigError} when a value is out of range or bounds are inverted. */
export function validateConfig(c: DetectorConfig): void {
  for (const key of positive) {
    const v = c[key];
    if (!(v > 0 && (Number.isFinite(v) || key === 'reapAfterMs')))
      throw new InvalidConfigError(`${key} must be a positive number, got ${v}`);
  }
  const nonNegative: (keyof DetectorConfig)[] = [
    'indirectChecks',
    'suspicionConfirmations',
    'localHealthMax',
    'timerLateMsMax',
    'relayJobsMax',
    'metadataBytesMax',
    'probeTimeoutRttVarMult',
    'pushFanout',
  ];
  for (const key of nonNegative) {
    const v = c[key];
    if (!(Number.isFinite(v) && v >= 0)) throw new InvalidConfigError(`${key} must be ≥ 0, got ${v}`);
  }
  if (c.probeIntervalMsMin > c.probeIntervalMsMax)
    throw new InvalidConfigError('probeIntervalMsMin > probeIntervalMsMax');
  if (c.probeTimeoutMsMin > c.probeTimeoutMsMax)
    throw new InvalidConfigError('probeTimeoutMsMin > probeTimeoutMsMax');
  if (c.messageBytesMax < 256) throw new InvalidConfigError('messageBytesMax must be ≥ 256');
  if (c.piggybackBytesMax >= c.messageBytesMax)
    throw new InvalidConfigError('piggybackBytesMax must be < messageBytesMax');
  if (c.metadataBytesMax > 255) throw new InvalidConfigError('metadataBytesMax must be ≤ 255');
  if (!(c.healthyPercentMin >= c.degradedPercentMin && c.degradedPercentMin >= c.criticalPercentMin)) {
    throw new InvalidConfigError('tier thresholds must satisfy healthy ≥ degraded ≥ critical');
  }
}

/**
 * Piggyback retransmissions per update: `retransmitMult × ceil(log10(N + 1))`, where N is the
 * cluster size (memberlist `retransmitLimit`).
 *
 * @example retransmitLimit(4, 9) === 4; retransmitLimit(4, 10) === 8; retransmitLimit(4, 1000) === 16
 */
export function retransmitLimit(retransmitMult: number, clusterSize: number): number {
  return retransmitMult * Math.ceil(Math.log10(clusterSize + 1));
}
