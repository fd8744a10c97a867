import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MeshView } from '@pulsemesh/core';

/** Every event a {@link MeshView} may dispatch that changes what the elements show. */
export const meshEventNames = [
  'status-change',
  'join',
  'leave',
  'interval-change',
  'health-change',
  'local-health-change',
  'signal-state',
  'reap',
  'evict',
] as const;

/** Options of {@link MeshController}. */
export interface MeshControllerOptions {
  /** Reads the mesh the host currently renders (usually its `mesh` property). */
  mesh: () => MeshView | undefined;
  /**
   * Minimum time between two renders caused by mesh events (ms). Events arriving faster are
   * coalesced into one render at the end of the interval. Default 250 (at most 4 renders/s).
   */
  renderIntervalMsMin?: number;
  /**
   * Re-render this often even without events (ms), for values that change without an event
   * (RTT, phi, "since" durations). 0 turns polling off. Default 0.
   */
  pollIntervalMs?: number;
}

/**
 * Subscribes a Lit element to a {@link MeshView}'s events while the element is connected, and
 * batches them into at most one render per `renderIntervalMsMin`.
 *
 * It resubscribes by itself when the host's mesh changes (checked before each update), removes
 * every listener on disconnect, and counts the renders it requested (`renderRequests`) and the
 * events it coalesced (`eventsSeen`), so tests and benchmarks can check the batching.
 */
export class MeshController implements ReactiveController {
  /** Events received since the controller was created. */
  eventsSeen = 0;
  /** Renders requested because of events or polling. */
  renderRequests = 0;
  /** Time spent in the host's updates (render and DOM commit, not style or layout), ms. */
  updateMsTotal = 0;
  /** Longest single host update, ms. */
  updateMsMax = 0;

  private readonly host: ReactiveControllerHost;
  private readonly getMesh: () => MeshView | undefined;
  private readonly renderIntervalMsMin: number;
  private readonly pollIntervalMs: number;
  private subscribed: MeshView | undefined;
  private connected = false;
  private lastRenderMs = Number.NEGATIVE_INFINITY;
  private updateStartMs = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly onEvent = (): void => {
    this.eventsSeen++;
    this.schedule();
  };

  constructor(host: ReactiveControllerHost, options: MeshControllerOptions) {
    if (options.renderIntervalMsMin !== undefined && !(options.renderIntervalMsMin >= 0)) {
      throw new RangeError('renderIntervalMsMin must be >= 0');
    }
    this.host = host;
    this.getMesh = options.mesh;
    this.renderIntervalMsMin = options.renderIntervalMsMin ?? 250;
    this.pollIntervalMs = options.pollIntervalMs ?? 0;
    host.addController(this);
  }

  /** The mesh the controller is subscribed to right now (undefined while disconnected). */
  get mesh(): MeshView | undefined {
    return this.subscribed;
  }

  hostConnected(): void {
    this.connected = true;
    this.resubscribe();
    if (this.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => {
        if (this.subscribed) this.schedule();
      }, this.pollIntervalMs);
    }
  }

  hostDisconnected(): void {
    this.connected = false;
    this.resubscribe();
    clearInterval(this.pollTimer);
    clearTimeout(this.flushTimer);
    this.pollTimer = undefined;
    this.flushTimer = undefined;
  }

  hostUpdate(): void {
    this.updateStartMs = performance.now();
    this.resubscribe();
  }

  hostUpdated(): void {
    this.lastRenderMs = performance.now();
    const costMs = this.lastRenderMs - this.updateStartMs;
    this.updateMsTotal += costMs;
    this.updateMsMax = Math.max(this.updateMsMax, costMs);
  }

  private resubscribe(): void {
    const wanted = this.connected ? this.getMesh() : undefined;
    if (wanted === this.subscribed) return;
    for (const name of meshEventNames) this.subscribed?.removeEventListener(name, this.onEvent);
    this.subscribed = wanted;
    for (const name of meshEventNames) wanted?.addEventListener(name, this.onEvent);
  }

  private schedule(): void {
    if (this.flushTimer !== undefined) return;
    const waitMs = Math.max(0, this.lastRenderMs + this.renderIntervalMsMin - performance.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.renderRequests++;
      this.lastRenderMs = performance.now();
      this.host.requestUpdate();
    }, waitMs);
  }
}
