/**
 * Read-side helpers over a {@link Member}: its wire update, its snapshot for UIs, its anti-entropy
 * chunks, and when its suspicion turns into `failed`. Pure functions of the member and config.
 */
import { UpdateKind, updateBytes, type Update } from './codec.js';
import type { DetectorConfig } from './config.js';
import type { Member } from './member.js';
import { arrivalStdMs, phi, phiTimeoutMs } from './phi.js';
import {
  failAtMs,
  lifecyclePatience,
  suspicionConfirmationsExpected,
  suspicionTimeoutMs,
  suspicionTimeoutMsMax,
  suspicionTimeoutMsMin,
} from './suspicion.js';
import type { PeerId, PeerSnapshot } from './types.js';

/** The update that states what `localId` believes about `m`. */
export function updateFor(m: Member, localId: PeerId): Update {
  switch (m.state) {
    case 'suspected':
      return {
        kind: UpdateKind.suspect,
        peer: m.id,
        incarnation: m.incarnation,
        from: m.suspectors?.[0] ?? localId,
      };
    case 'failed':
      return { kind: UpdateKind.failed, peer: m.id, incarnation: m.incarnation, from: localId };
    case 'left':
      return { kind: UpdateKind.left, peer: m.id, incarnation: m.incarnation, from: undefined };
    default:
      return { kind: UpdateKind.alive, peer: m.id, incarnation: m.incarnation, from: undefined };
  }
}

/** Splits `updates` into chunks of at most `budgetBytes` encoded bytes and 255 updates each. */
export function chunkUpdates(updates: Iterable<Update>, budgetBytes: number): Update[][] {
  const chunks: Update[][] = [];
  let chunk: Update[] = [];
  let used = 0;
  for (const u of updates) {
    const n = updateBytes(u);
    if (chunk.length > 0 && (used + n > budgetBytes || chunk.length >= 255)) {
      chunks.push(chunk);
      chunk = [];
      used = 0;
    }
    chunk.push(u);
    used += n;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The silence deadline after which `m`'s phi reaches the threshold; NaN with too few samples. */
export function phiDeadlineMs(m: Member, c: DetectorConfig): number {
  if (m.samples < 2 || Number.isNaN(m.lastHeardMs)) return NaN;
  return m.lastHeardMs + phiTimeoutMs(m.meanMs, arrivalStdMs(m, c.phiStdMsMin), c.phiThreshold);
}

/**
 * When the suspicion of `m` turns into `failed` (ms), in a cluster of `clusterSize`: Lifeguard's
 * timeout for its confirmations, stretched by lifecycle patience and gated by phi (`failAtMs`) while
 * (a) the suspicion has fewer confirmations than expected (phi is one observer's view of one peer's
 * rhythm: it can make a lone accuser more patient, but independent confirmations from peers that
 * tried and failed to reach it outweigh it), and (b) we normally hear from the peer more often than
 * the longest suspicion lasts (in a large full mesh a pair talks every N periods, and phi would only
 * ever say "this silence is normal" and hold every suspicion to its maximum). A member known by gossip only (not probed by us) gets
 * the no-confirmation maximum: those who probe it decide, and their verdict reaches us before this;
 * if none came, the suspicion lapses (the detector returns the member to `healthy`, reason
 * `suspicion-unconfirmed`).
 *
 * A peer that reported stalls gets its longest recent stall on top (`stallPatienceMs`).
 *
 * `liveSize` (default `clusterSize`) is the members that can still confirm, this peer and the suspect
 * included (healthy, suspected, recovering: a failed peer confirms nothing). The confirmations
 * expected are `min(suspicionConfirmations, liveSize − 2)`: after two crashes in a mesh of five the
 * one other survivor's confirmation is all there can be, and it brings the minimum (a hang there
 * took ~3.5 s waiting for confirmations that could not come, ~2 s now).
 *
 * @example N = 100, lan preset (min 750 ms, max 4.5 s), start 0: 3 confirmations → 750; 1 → 2625; none → 4500
 * (the defaults: min 500 ms, max 3 s); 1 confirmation with 3 live members → 750
 */
export function suspicionFailAtMs(
  m: Member,
  c: DetectorConfig,
  clusterSize: number,
  liveSize = clusterSize,
): number {
  const min = suspicionTimeoutMsMin(
    c.suspicionMult,
    clusterSize,
    c.probeIntervalMs,
    c.suspicionTimeoutMsFloor,
  );
  const max = suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, min);
  const patience = lifecyclePatience(m.vitals?.lifecycle, c.hiddenPatienceMult, c.frozenPatienceMult);
  if (!m.probed && m.relayVerdict === undefined) return m.suspicionStartMs + max * patience;
  // Relays of our failed probe that could not try it (no link) never confirm: not waited for while
  // linked, where our own silence holds the verdict to the stall tolerance (decision 0030).
  const unable = m.linked ? m.relaysUnable : 0;
  const expected = Math.max(0, suspicionConfirmationsExpected(c.suspicionConfirmations, liveSize) - unable);
  const confirmations = (m.suspectors?.length ?? 1) - 1;
  const timeout = suspicionTimeoutMs(min, max, confirmations, expected);
  const informative = m.meanMs < max;
  const phiAt = confirmations >= expected || !informative ? NaN : phiDeadlineMs(m, c);
  return failAtMs(m.suspicionStartMs, timeout, max, patience, phiAt) + stallPatienceMs(m);
}

/**
 * The silence `m` may take before this peer declares it failed with trust (decision 0024): the
 * stall tolerance (`stallToleranceMs`) with the same allowances its suspicion gets, the suspicion
 * minimum stretched by its lifecycle's patience (hidden, frozen) and its reported stalls added.
 */
export function memberStallToleranceMs(m: Member, c: DetectorConfig, clusterSize: number): number {
  const patience = lifecyclePatience(m.vitals?.lifecycle, c.hiddenPatienceMult, c.frozenPatienceMult);
  const min = suspicionTimeoutMsMin(
    c.suspicionMult,
    clusterSize,
    c.probeIntervalMs,
    c.suspicionTimeoutMsFloor,
  );
  return Math.max(c.probeRoundMsMin, c.probeTimeoutMsMax) + min * patience + stallPatienceMs(m);
}

/**
 * Extra suspicion time (ms) for a peer that reported stalls: the longest one it saw lately (its
 * `loadMs` vital sign, at most {@link STALL_PATIENCE_MS_MAX}). Two stalls back to back, each within
 * the stall tolerance, make a silence longer than it; a peer known to stall gets that much more
 * before `failed`. A hidden or frozen peer's lateness means nothing (throttled timers): lifecycle
 * patience covers those.
 */
export function stallPatienceMs(m: Member): number {
  const v = m.vitals;
  if (v === undefined || v.loadMs < STALL_PATIENCE_NOTICE_MS) return 0;
  if (v.lifecycle === 'hidden' || v.lifecycle === 'frozen') return 0;
  return Math.min(STALL_PATIENCE_MS_MAX, v.loadMs);
}
/**
 * Whether `m` may be late to its own witness of a crash, so a pushed verdict can be the first it
 * hears (decision 0073): a peer whose vital signs say hidden or frozen (throttled timers), that
 * reported a stall of at least {@link STALL_PATIENCE_NOTICE_MS}, or that sent none yet. Only `m`'s
 * own report chooses this, so a liar can only draw pushes to itself or keep them from itself.
 */
export function mayBeLate(m: Member): boolean {
  const v = m.vitals;
  if (v === undefined) return true;
  return v.lifecycle === 'hidden' || v.lifecycle === 'frozen' || v.loadMs >= STALL_PATIENCE_NOTICE_MS;
}
/** A reported stall shorter than this (ms) is timer noise and adds no patience. */
export const STALL_PATIENCE_NOTICE_MS = 50;
/** Most extra suspicion time a reported stall buys (ms). */
export const STALL_PATIENCE_MS_MAX = 3_000;

/** What UIs render about `m` at `nowMs`. */
export function memberSnapshot(m: Member, nowMs: number, phiStdMsMin: number): PeerSnapshot {
  const heard = !Number.isNaN(m.lastHeardMs) && m.samples > 0;
  return {
    id: m.id,
    state: m.state,
    sinceMs: m.sinceMs,
    incarnation: m.incarnation,
    phi: heard ? phi(nowMs - m.lastHeardMs, m.meanMs, arrivalStdMs(m, phiStdMsMin)) : 0,
    ...(Number.isNaN(m.lastHeardMs) ? {} : { lastHeardMs: m.lastHeardMs }),
    direct: m.linked,
    link: {
      rttMs: Number.isNaN(m.srttMs) ? undefined : m.srttMs,
      rttVarMs: Number.isNaN(m.rttVarMs) ? undefined : m.rttVarMs,
      loss: m.loss,
      rttSamplesMs: m.rttSamplesInOrder(),
      bytesSent: m.bytesSent,
      bytesReceived: m.bytesReceived,
    },
    // Sent only on change (`ackVitals`): the uptime goes on from when they arrived.
    vitals:
      m.vitals === undefined
        ? undefined
        : { ...m.vitals, uptimeMs: m.vitals.uptimeMs + Math.max(0, nowMs - m.vitalsAtMs) },
    signalingLost: m.signalingLost,
    ...(m.secondHand && m.state === 'failed' ? { secondHand: true } : {}),
    ...(m.liar ? { liar: true } : {}),
  };
}
