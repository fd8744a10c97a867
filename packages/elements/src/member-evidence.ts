/**
 * What the dashboard lets a member's gossip put on screen. Every id arrives from the network, and
 * any room member can announce ids of its choosing: look-alikes of a real peer (other scripts,
 * zero-width or bidi characters) and any number of made-up members. So the elements list only
 * canonical ids (`isCanonicalPeerId`: two ids that look alike are the same id) and count the rest,
 * and the cluster verdict (tier, healthy share, minority warning) counts only members this peer has
 * first-hand evidence of: linked to it or heard from directly. Admission by the signaling room
 * (`MeshView.admitted`, decision 0027) is not enough: any member can open one signaling session per
 * made-up id and never answer as any of them. An admitted member not yet linked nor heard is shown
 * as "joining" for one stall tolerance after it appeared, then as "unreachable"; neither counts.
 * One the mesh says it never tried to link to (`MeshView.linkTried`: a room larger than the link
 * budget) is shown as "not linked (far)" instead, not counted either. Gossip-only members are
 * shown, and counted apart as "unverified". See `docs/decisions/0051-dashboard-first-hand-health.md`,
 * `0058-admitted-is-not-heard.md` and `0062-far-is-not-unreachable.md`.
 */
import {
  clusterHealth,
  isCanonicalPeerId,
  type ClusterHealth,
  type MeshView,
  type PeerSnapshot,
  type PeerState,
  type TierThresholds,
} from '@pulsemesh/core';

/**
 * Tier thresholds of the recounted verdict: a `MeshView` does not expose its config, and every
 * preset keeps the default's (`defaultConfig`: HEALTHY ≥ 90 %, DEGRADED ≥ 70 %, CRITICAL ≥ 50 %;
 * a test checks they still agree). Written out so the elements' bundle takes no config code.
 */
export const tierThresholds: TierThresholds = {
  healthyPercentMin: 90,
  degradedPercentMin: 70,
  criticalPercentMin: 50,
};

/** What this module reads of a mesh (`nowMs` to tell "joining" from "unreachable"). */
export type EvidenceView = Pick<
  MeshView,
  'peers' | 'health' | 'admitted' | 'stallToleranceMs' | 'linkTried'
> &
  Partial<Pick<MeshView, 'nowMs'>>;

/**
 * What this peer knows of a member first-hand: `heard` (linked, or heard from directly: counted),
 * `joining` (admitted by the signaling room, not yet linked nor heard, for at most one stall
 * tolerance since its state last changed), `unreachable` (admitted, still not linked nor heard
 * after that), `far` (admitted, never linked nor heard, and the mesh says it never tried to link
 * to it: `linkTried` false) or `gossip` (announced by other members only). Only `heard` members
 * are counted.
 */
export type MemberEvidence = 'heard' | 'joining' | 'unreachable' | 'far' | 'gossip';

/** The members a dashboard lists: the mesh's peers with a canonical id (in the mesh's order). */
export function listedPeers(mesh: EvidenceView): PeerSnapshot[] {
  return mesh.peers().filter((p) => isCanonicalPeerId(p.id));
}

/** Tooltips of a member the signaling room admitted but this peer never linked to nor heard from. */
export const admissionHelp: Record<'joining' | 'unreachable' | 'far', string> = {
  joining: 'Admitted by signaling, not yet linked nor heard: not counted until it is',
  unreachable: 'Admitted by signaling, not linked nor heard within the stall tolerance: not counted',
  far: 'Admitted by signaling, not among the links this peer keeps (no link tried): not counted',
};

/**
 * Whether this peer has first-hand evidence that `p` is a member: a link to it, or a message heard
 * from it directly (`lastHeardMs`: a link that has since closed still counts). Gossip alone is not
 * evidence (any member can announce any id), nor is the signaling room's admission alone (any
 * member can open a signaling session per id and never answer as it).
 */
export function isFirstHand(p: PeerSnapshot): boolean {
  return p.direct || p.lastHeardMs !== undefined;
}

/**
 * How `p` is known here ({@link MemberEvidence}). Without a clock or a stall tolerance (a view that
 * runs no detector) an admitted member not yet heard stays `joining`: not counted either way. A
 * view without `linkTried` is taken to have tried every admitted member (0058's reading).
 */
export function memberEvidence(mesh: EvidenceView, p: PeerSnapshot): MemberEvidence {
  if (isFirstHand(p)) return 'heard';
  if (mesh.admitted?.(p.id) !== true) return 'gossip';
  if (mesh.linkTried?.(p.id) === false) return 'far';
  const toleranceMs = mesh.stallToleranceMs?.();
  const nowMs = mesh.nowMs?.();
  if (toleranceMs === undefined || nowMs === undefined) return 'joining';
  return nowMs - p.sinceMs <= toleranceMs ? 'joining' : 'unreachable';
}

/** The cluster verdict a dashboard shows, and what it left out. */
export interface DashboardHealth {
  /** Health over the local peer and the listed members with first-hand evidence. */
  health: ClusterHealth;
  /** Listed members known through gossip only: shown, not counted in `health`. */
  unverified: number;
  /** Listed members admitted by signaling, not yet linked nor heard (`joining`): not counted. */
  joining: number;
  /** Listed members admitted by signaling, never linked nor heard in time (`unreachable`): not counted. */
  unreachable: number;
  /** Listed members admitted by signaling that this peer never tried to link to (`far`): not counted. */
  far: number;
  /** Members with a non-canonical id: neither listed nor counted. */
  nonCanonical: number;
}

/**
 * The cluster verdict of `mesh` counted over first-hand (`heard`) members only. With none left out it is
 * the mesh's own `health()`, unchanged. Otherwise it is recounted: the local peer is healthy, the
 * tier uses the default thresholds, and the minority test (`isMinorityPartition`) takes as settled
 * the failed members whose signaling session ended (`signalingLost`, the witnessed ones); a
 * failure the detector settles otherwise (a held suspicion's) is not visible from a `MeshView`.
 */
export function dashboardHealth(mesh: EvidenceView): DashboardHealth {
  const counts: Record<PeerState, number> = { healthy: 1, suspected: 0, failed: 0, recovering: 0, left: 0 };
  const apart: Record<Exclude<MemberEvidence, 'heard'>, number> = {
    gossip: 0,
    joining: 0,
    unreachable: 0,
    far: 0,
  };
  let nonCanonical = 0;
  let failedSettled = 0;
  for (const p of mesh.peers()) {
    if (!isCanonicalPeerId(p.id)) {
      nonCanonical++;
      continue;
    }
    const evidence = memberEvidence(mesh, p);
    if (evidence !== 'heard') apart[evidence]++;
    else {
      counts[p.state]++;
      if (p.state === 'failed' && p.signalingLost) failedSettled++;
    }
  }
  const { gossip: unverified, joining, unreachable, far } = apart;
  const health =
    unverified + joining + unreachable + far + nonCanonical === 0
      ? mesh.health()
      : clusterHealth(counts, tierThresholds, failedSettled);
  return { health, unverified, joining, unreachable, far, nonCanonical };
}
