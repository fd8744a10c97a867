import type { PeerId } from '@pulsemesh/core';
import type { Mesh } from '@pulsemesh/webrtc';

/**
 * What this peer knows of `peer` at a moment that may decide a verdict (its signaling session
 * ended, a status change): the state, the stall it last reported (`loadMs`, it stretches a
 * witnessed check) and its lifecycle, how long ago it was last heard from directly (the detector clock is `performance.now()`), the RTT
 * estimate of its link and how a witnessed check of it is sized now (`Detector.witnessWindow`),
 * and this peer's own timer lateness. All ms. The `--json` `presence` and `status-change` lines
 * carry it; the mesh benchmark's tabs record the same (`scripts/bench-mesh.page.ts`).
 */
export interface PeerEvidence {
  state?: string | undefined;
  loadMs?: number | undefined;
  lifecycle?: string | undefined;
  lastHeardAgoMs?: number | undefined;
  rttMs?: number | undefined;
  rttVarMs?: number | undefined;
  rttSamplesMs?: number[] | undefined;
  windowMs?: number | undefined;
  probeTimeoutMs?: number | undefined;
  stallAllowanceMs?: number | undefined;
  rttSampleCount?: number | undefined;
  /** This peer's path RTT estimate (all links' samples; NaN before the first becomes null in JSON). */
  pathRttMs?: number | undefined;
  pathRttVarMs?: number | undefined;
  ownLateMs: number;
  ownLateAvgMs: number;
}

const round = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms));

/** See {@link PeerEvidence}. */
export function peerEvidence(mesh: Mesh, peer: PeerId): PeerEvidence {
  const p = mesh.detector.peer(peer);
  const w = mesh.detector.witnessWindow(peer);
  const late = mesh.timerLateness();
  return {
    state: p?.state,
    loadMs: p?.vitals?.loadMs,
    lifecycle: p?.vitals?.lifecycle,
    lastHeardAgoMs: p?.lastHeardMs === undefined ? undefined : Math.round(performance.now() - p.lastHeardMs),
    rttMs: round(p?.link.rttMs),
    rttVarMs: round(p?.link.rttVarMs),
    rttSamplesMs: p?.link.rttSamplesMs.map(Math.round),
    windowMs: round(w?.windowMs),
    probeTimeoutMs: round(w?.probeTimeoutMs),
    stallAllowanceMs: round(w?.stallAllowanceMs),
    rttSampleCount: w?.rttSampleCount,
    pathRttMs: round(w?.pathRttMs),
    pathRttVarMs: round(w?.pathRttVarMs),
    ownLateMs: Math.round(late.lastMs),
    ownLateAvgMs: Math.round(late.averageMs),
  };
}
