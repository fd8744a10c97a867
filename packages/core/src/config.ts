/**
 * Detector configuration: every knob with its unit in the name, its default (the `node` default;
 * `browser` differs only in runtime limits), the trade-off, and the pure function that turns it into
 * a timeout. `config.test.ts` checks the examples. One default per runtime (`defaultConfig`), named
 * presets (`presets.lan`, `presets.wan`) for unusual networks. See decision 0013.
 */
import { InvalidConfigError } from './errors.js';
import { suspicionTimeoutMsMin } from './suspicion.js';

/** Detector configuration. Start from the default: `{ ...defaultConfig('node'), probeIntervalMs: 500 }`. */
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
   * Default [50, 250]: a LAN ack takes < 5 ms, and event loops pause; a timeout only brings the
   * retry and the relays sooner (`probeRoundMsMin` decides when a probe has failed).
   */
  probeTimeoutMsMin: number;
  probeTimeoutMsMax: number;
  /** `k` in `srtt + k × rttvar` (RFC 6298 uses 4). Default 4. Larger: fewer false timeouts, slower. */
  probeTimeoutRttVarMult: number;
  /**
   * Shortest failed probe round (ms): after a missed direct ack, the retry pings and relays keep
   * waiting until this long after the direct ping before the target is suspected. Any answer in
   * between ends the round. Default 1200: a live peer stalled up to ~1.1 s (a long task, a GC
   * pause, a frozen frame) answers its queued pings within the round and is never suspected; a
   * probe that is answered costs nothing extra. 0 (the `lan` preset) = only the RTT-derived wait.
   * Stall tolerance = this + the suspicion minimum (`stallToleranceMs`).
   */
  probeRoundMsMin: number;
  /**
   * Members asked to probe a target indirectly (ping-req) after a missed direct ack. Default 3
   * (memberlist). More relays: fewer false suspicions from one bad link, more traffic.
   * One more is used on a bad network (`indirectChecksFor`).
   */
  indirectChecks: number;
  /**
   * Suspicion minimum: `max(suspicionTimeoutMsFloor, suspicionMult × max(1, log10(N)) × probeIntervalMs)`
   * (`suspicionTimeoutMsMin`). Default 1 → 500 ms for N ≤ 100 (the floor) and 750 ms at N = 1000 (at
   * 250 ms). Larger: more time to refute, slower detection. The suspect hears of it within one link
   * delay (the accuser's pings carry it) and its refutation goes straight back, so this needs to
   * cover a few round trips and what is left of a pause the probe round did not cover, not gossip rounds.
   */
  suspicionMult: number;
  /**
   * Floor of the suspicion minimum (ms), whatever N. Default 500, so the stall tolerance does not
   * shrink in small meshes (`stallToleranceMs`: 1.7 s at N ≤ 100). 0 = no floor (`lan`, `wan`).
   */
  suspicionTimeoutMsFloor: number;
  /**
   * Suspicion maximum = `suspicionMaxTimeoutMult × minimum` (`suspicionTimeoutMsMax`); the timeout
   * starts here and shrinks with confirmations (`suspicionTimeoutMs`). Default 6 → 3 s at N = 100.
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
   * (failed or left first, then the longest unchanged); one the table refused (every member
   * linked) tries again when it speaks, taking only a free, ended or stranger's seat (decision
   * 0072); gossip about unknown peers is dropped and counted (`stats().membersDropped`). Default 1024.
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

/**
 * The Node default (edge peers, servers, `createMesh` outside a browser). Its timing is the browser
 * default's: one set of numbers, measured in one benchmark (`pulsemesh:default`).
 */
const node: DetectorConfig = {
  probeIntervalMs: 250, // each peer is probed by someone about every 250 ms: a hang is first probed within ~1.2 s (p99)
  probeIntervalMsMin: 200, // lossy network: probe a little sooner (5 pings/s/peer, still ~100 B/s)
  probeIntervalMsMax: 300, // calm network: save a little, stay inside the hang budget (p99 ≤ 4 s)
  probeTimeoutMsMin: 50, // LAN RTT < 5 ms: the retry comes soon; the round (below) waits out pauses
  probeTimeoutMsMax: 250, // an ack later than a period is as good as lost: the retry and relays cover it
  probeTimeoutRttVarMult: 4, // RFC 6298
  probeRoundMsMin: 1200, // a live peer stalled ≤ 1.1 s answers within the round: never suspected
  indirectChecks: 3, // memberlist; relays that try and fail are also the suspicion's first confirmations
  suspicionMult: 1, // 750 ms at N = 1000; the floor below holds below that
  suspicionTimeoutMsFloor: 500, // stall tolerance 1.2 + 0.5 = 1.7 s at any N ≤ 100 (a 1.5 s freeze is safe)
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
  timerLateMsMax: 100, // 10 % of a second
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

/** The browser default (`<pulse-mesh>`, `createMesh` in a page): the Node default's timing, tab-sized limits. */
const browser: DetectorConfig = {
  ...node,
  timerLateMsMax: 250, // hidden tabs fire timers up to 1 s late; count only real stalls
  membersMax: 256, // a tab holds a few dozen data channels at most
  messageBytesMax: 16_384, // SCTP messages above 16 KiB fragment badly across browsers
  piggybackBytesMax: 1024, // data channels carry larger messages comfortably
};

/**
 * Named presets for unusual networks, and the two defaults. Each differs from its base only where its
 * network differs; the reason is on the value.
 */
export const presets = {
  /** The browser default (see {@link defaultConfig}). */
  browser,
  /** The Node default (see {@link defaultConfig}). */
  node,
  /**
   * Servers on a LAN that never pause and have no signaling witness: a hang is failed in about
   * 1 s, but a live peer silent for more than ~0.75 s may be failed too (stall tolerance ~0.75 s).
   */
  lan: {
    ...node,
    probeRoundMsMin: 0, // no stall to wait for: the RTT-derived round only
    suspicionMult: 1.5, // 750 ms at N = 100: ~100 LAN round trips for a live suspect to refute
    suspicionTimeoutMsFloor: 0, // 375 ms at N ≤ 10
  } satisfies DetectorConfig,
  /** Peers across the internet: 50–300 ms RTT, bursty loss. */
  wan: {
    ...node,
    probeIntervalMs: 1000, // RTTs are 100× a LAN's; probing faster mostly measures congestion
    probeIntervalMsMin: 500, // a lossy WAN: probe sooner, confirm more
    probeIntervalMsMax: 2000, // calm WAN: save bandwidth on metered links
    probeTimeoutMsMin: 200, // above typical intercontinental RTT
    probeTimeoutMsMax: 900, // 3× a 300 ms intercontinental RTT, inside the 1 s period
    probeRoundMsMin: 2000, // two periods: a retry and the relays' round trips across the world
    suspicionMult: 3, // 6 s at N = 100: refutations cross a 300 ms RTT path many times over
    suspicionTimeoutMsFloor: 0, // the log10(N) formula is already long
    phiStdMsMin: 500, // gaps vary more over the internet
    piggybackBytesMax: 400, // stay under common path MTUs with headers
    reapAfterMs: 60_000, // memberlist's WAN GossipToTheDeadTime: verdicts take longer to spread
  } satisfies DetectorConfig,
} as const;

/** The runtimes with a default of their own. */
export type Runtime = 'browser' | 'node';

/**
 * The default configuration for a runtime: what `<pulse-mesh>`, `createMesh`, the edge peer, the demo
 * and every benchmark use unless told otherwise. Both have the same timing (probe every 250 ms,
 * stall tolerance 1.7 s, a witnessed crash failed within about 0.35 s); the browser's
 * has larger messages and a smaller member table. A copy: changing it changes nothing else.
 */
export function defaultConfig(runtime: Runtime): DetectorConfig {
  return { ...presets[runtime] };
}

/**
 * The stall tolerance of a configuration in a cluster of `clusterSize` (ms): the longest silence a
 * live peer may take without being declared `failed` by a probe that began when the silence began
 * (`probeRoundMsMin` + the suspicion minimum). A longer silence may (not must) end in `failed`.
 *
 * @example stallToleranceMs(presets.node, 12) === 1700; stallToleranceMs(presets.lan, 12) === 40.5 + …
 */
export function stallToleranceMs(c: DetectorConfig, clusterSize: number): number {
  return (
    Math.max(c.probeRoundMsMin, c.probeTimeoutMsMax) +
    suspicionTimeoutMsMin(c.suspicionMult, clusterSize, c.probeIntervalMs, c.suspicionTimeoutMsFloor)
  );
}

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
    'probeRoundMsMin',
    'suspicionTimeoutMsFloor',
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
