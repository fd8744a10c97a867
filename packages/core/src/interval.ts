/**
 * The adaptive protocol period: the seed's adaptive heartbeat, done right. Loss or jitter on the
 * links means probe sooner (and confirm through more indirect probes); a calm network drifts back to
 * the maximum period and saves bandwidth.
 */

/** Inputs of {@link adaptProtocolPeriodMs}. */
export interface IntervalInputs {
  /** Current protocol period (ms). */
  currentMs: number;
  minMs: number;
  maxMs: number;
  /** Mean loss ratio over direct links, 0..1. */
  loss: number;
  /** Mean RTT variation relative to smoothed RTT over direct links ({@link linkJitterRatio}), ≥ 0. */
  jitterRatio: number;
  /** Loss ratio that counts as fully bad (period at `minMs`). */
  lossRatioHigh: number;
  /** Jitter ratio that counts as fully bad (period at `minMs`). */
  jitterRatioHigh: number;
}

/**
 * RTTs are measured against at least this much (ms) in {@link linkJitterRatio}: below it (loopback,
 * one LAN switch) the RTT and its variation are two event loops' scheduling, not the network.
 */
export const jitterRttMsMin = 2;

/**
 * A link's jitter ratio: `rttVarMs / max(srttMs, jitterRttMsMin)` (decision 0068). Against a
 * sub-millisecond RTT, a few hundred µs of scheduling noise (and RFC 6298's first `rttvar`, half
 * the first sample) read as 0.3–0.5 and held a calm loopback or LAN mesh near its shortest period.
 *
 * @example linkJitterRatio(0.4, 0.2) === 0.1; linkJitterRatio(100, 50) === 0.5
 */
export function linkJitterRatio(srttMs: number, rttVarMs: number): number {
  return rttVarMs / Math.max(srttMs, jitterRttMsMin);
}

/**
 * Network badness in [0, 1]: `clamp(max(loss / lossRatioHigh, jitterRatio / jitterRatioHigh), 0, 1)`.
 *
 * @example networkBadness(0.05, 0, 0.1, 0.5) === 0.5
 */
export function networkBadness(
  loss: number,
  jitterRatio: number,
  lossRatioHigh: number,
  jitterRatioHigh: number,
): number {
  const b = Math.max(loss / lossRatioHigh, jitterRatio / jitterRatioHigh);
  return Number.isFinite(b) ? Math.min(1, Math.max(0, b)) : 1;
}

/**
 * Next protocol period (ms). Rule: `target = maxMs − (maxMs − minMs) × badness`. When the target is
 * within 5 % of the current period, keep the current period (hysteresis, so it does not chatter);
 * otherwise move halfway towards the target, snapping onto it once the remaining distance is under
 * 5 %. The result is rounded and clamped to `[minMs, maxMs]`.
 *
 * @example calm network (badness 0) from 500 in [250, 1000] → 750, 875, 938, 1000, then stays.
 */
export function adaptProtocolPeriodMs(inputs: IntervalInputs): number {
  const { currentMs, minMs, maxMs } = inputs;
  const badness = networkBadness(
    inputs.loss,
    inputs.jitterRatio,
    inputs.lossRatioHigh,
    inputs.jitterRatioHigh,
  );
  const target = Math.round(maxMs - (maxMs - minMs) * badness);
  const current = Math.min(maxMs, Math.max(minMs, currentMs));
  const hysteresisMs = Math.max(1, 0.05 * current);
  if (Math.abs(target - current) < hysteresisMs) return current;
  const next = Math.round(current + (target - current) / 2);
  return Math.abs(target - next) < hysteresisMs ? target : next;
}

/**
 * Indirect probes per failed direct probe: the configured `k`, plus one when badness ≥ 0.5
 * ("confirm more" on a bad network).
 *
 * @example indirectChecksFor(3, 0.2) === 3; indirectChecksFor(3, 0.8) === 4
 */
export function indirectChecksFor(base: number, badness: number): number {
  return badness >= 0.5 ? base + 1 : base;
}
