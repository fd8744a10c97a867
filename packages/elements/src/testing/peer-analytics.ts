import type { PeerId, PeerReport, PeerState } from '@pulsemesh/core';

const dayMs = 86_400_000;

/**
 * Failure bookkeeping for one peer of a {@link RecordedMesh}: counts transitions into `failed`,
 * matches each recovery (back to `healthy`) to one failure, and accumulates downtime.
 */
export class PeerAnalytics {
  private failures = 0;
  private recoveries = 0;
  private downtimeMs = 0;
  private outageTotalMs = 0;
  private failedAtMs: number | undefined;
  private leftAtMs: number | undefined;

  constructor(
    private readonly peer: PeerId,
    private readonly firstSeenMs: number,
    state: PeerState,
  ) {
    if (state === 'failed') {
      this.failures = 1;
      this.failedAtMs = firstSeenMs;
    }
  }

  /** Records a state transition at `atMs`. */
  transition(from: PeerState, to: PeerState, atMs: number): void {
    if (to === 'failed' && from !== 'failed') {
      this.failures++;
      this.failedAtMs = atMs;
    }
    if (to === 'healthy' && this.failedAtMs !== undefined) {
      const outageMs = atMs - this.failedAtMs;
      this.recoveries++;
      this.outageTotalMs += outageMs;
      this.downtimeMs += outageMs;
      this.failedAtMs = undefined;
    }
    if (to === 'left') this.leftAtMs = atMs;
  }

  /** The report at `nowMs`; an ongoing outage counts as downtime. */
  report(nowMs: number): PeerReport {
    const endMs = this.leftAtMs ?? nowMs;
    const observedMs = Math.max(0, endMs - this.firstSeenMs);
    const ongoingMs = this.failedAtMs === undefined ? 0 : Math.max(0, endMs - this.failedAtMs);
    const downtimeMs = Math.min(observedMs, this.downtimeMs + ongoingMs);
    const upMs = observedMs - downtimeMs;
    return {
      peer: this.peer,
      failures: this.failures,
      recoveries: this.recoveries,
      mtbfMs: this.failures === 0 ? undefined : upMs / this.failures,
      mttrMs: this.recoveries === 0 ? undefined : this.outageTotalMs / this.recoveries,
      availability: observedMs === 0 ? 1 : upMs / observedMs,
      failuresPerDay: observedMs === 0 ? 0 : (this.failures * dayMs) / observedMs,
      observedMs,
      downtimeMs,
    };
  }
}
