/**
 * Lifeguard local health awareness (memberlist `awareness.go`): a score from 0 (healthy) to `max`
 * that rises when this peer shows signs of being the sick one — its probes go unanswered while the
 * relays do not even nack, it has to refute suspicions of itself, its timers fire late — and falls
 * with every successful probe, except while timers have fired late within the last two periods (a
 * throttled tab's probes can still succeed; the late timers are the symptom). Timeouts and the probe
 * period are stretched by `1 + score`.
 */

/** Why the local health score moved. */
export const LocalHealthCause = {
  probeSucceeded: -1,
  probeFailedNoNack: 1,
  refutedSuspicion: 1,
  timerLate: 1,
} as const;

/** Applies a delta and clamps to `[0, max]`. Pure. @example applyLocalHealthDelta(8, 1, 8) === 8 */
export function applyLocalHealthDelta(score: number, delta: number, max: number): number {
  return Math.min(max, Math.max(0, score + delta));
}

/**
 * Stretches a duration by local health: `ms × (1 + score)`.
 *
 * @example scaleByLocalHealth(500, 0) === 500; scaleByLocalHealth(500, 3) === 2000
 */
export function scaleByLocalHealth(ms: number, score: number): number {
  return ms * (1 + score);
}

/**
 * Local health delta for one finished probe: −1 on success; +1 on failure when no relay sent a nack
 * (so either everything around us is dead or, far likelier, our own messages are not getting
 * through); 0 on a failure the relays vouched they are alive for (the target is the problem).
 */
export function probeOutcomeDelta(succeeded: boolean, relays: number, nacks: number): number {
  if (succeeded) return LocalHealthCause.probeSucceeded;
  return relays === 0 || nacks === 0 ? LocalHealthCause.probeFailedNoNack : 0;
}
