// Helpers of the relay-budget tests (`review-s22-relay.test.ts`, `relay-budget-attacks.test.ts`).
import type { RelayJobBudget } from './relay-budget.js';
import type { PeerId } from './types.js';

/** One ping-req as `handlePingReq` charges it: 'refused' (requester's budget), 'capped' (target's: nacked) or 'job'. */
export function ask(
  budget: RelayJobBudget,
  requester: PeerId,
  target: PeerId,
  nowMs: number,
): 'refused' | 'capped' | 'job' {
  if (!budget.take(requester, nowMs)) return 'refused';
  return budget.takeAt(target, requester, nowMs) ? 'job' : 'capped';
}
