/**
 * What the dashboard lets a member's gossip put on screen. Every id arrives from the network, and
 * any room member can announce ids of its choosing: look-alikes of a real peer (other scripts,
 * zero-width or bidi characters) and any number of made-up members. So the elements list only
 * canonical ids (`isCanonicalPeerId`: two ids that look alike are the same id) and count the rest,
 * and the cluster verdict (tier, healthy share, minority warning) counts only members this peer has
 * first-hand evidence of: linked to it, heard from directly, or admitted by the signaling room
 * (`MeshView.admitted`, decision 0027). Gossip-only members are shown, and counted apart as
 * "unverified". See `docs/decisions/0051-dashboard-first-hand-health.md`.
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

/** What this module reads of a mesh. */
export type EvidenceView = Pick<MeshView, 'peers' | 'health' | 'admitted'>;

/** The members a dashboard lists: the mesh's peers with a canonical id (in the mesh's order). */
export function listedPeers(mesh: EvidenceView): PeerSnapshot[] {
  return mesh.peers().filter((p) => isCanonicalPeerId(p.id));
}

/**
 * Whether this peer has first-hand evidence that `p` is a member: a link to it, a message heard
 * from it directly (`lastHeardMs`: a link that has since closed still counts), or the signaling
 * room's admission. Gossip alone is not evidence: any member can announce any id.
 */
export function isFirstHand(mesh: EvidenceView, p: PeerSnapshot): boolean {
  return p.direct || p.lastHeardMs !== undefined || mesh.admitted?.(p.id) === true;
}

/** The cluster verdict a dashboard shows, and what it left out. */
export interface DashboardHealth {
  /** Health over the local peer and the listed members with first-hand evidence. */
  health: ClusterHealth;
  /** Listed members known through gossip only: shown, not counted in `health`. */
  unverified: number;
  /** Members with a non-canonical id: neither listed nor counted. */
  nonCanonical: number;
}

/**
 * The cluster verdict of `mesh` counted over first-hand members only. With none left out it is
 * the mesh's own `health()`, unchanged. Otherwise it is recounted: the local peer is healthy, the
 * tier uses the default thresholds, and the minority test (`isMinorityPartition`) takes as settled
 * the failed members whose signaling session ended (`signalingLost`, the witnessed ones); a
 * failure the detector settles otherwise (a held suspicion's) is not visible from a `MeshView`.
 */
export function dashboardHealth(mesh: EvidenceView): DashboardHealth {
  const counts: Record<PeerState, number> = { healthy: 1, suspected: 0, failed: 0, recovering: 0, left: 0 };
  let unverified = 0;
  let nonCanonical = 0;
  let failedSettled = 0;
  for (const p of mesh.peers()) {
    if (!isCanonicalPeerId(p.id)) nonCanonical++;
    else if (!isFirstHand(mesh, p)) unverified++;
    else {
      counts[p.state]++;
      if (p.state === 'failed' && p.signalingLost) failedSettled++;
    }
  }
  const health =
    unverified + nonCanonical === 0 ? mesh.health() : clusterHealth(counts, tierThresholds, failedSettled);
  return { health, unverified, nonCanonical };
}
