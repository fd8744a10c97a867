/**
 * A tiny deterministic network for scenario tests: detectors on a virtual clock, per-message latency,
 * drop rules, crashes and late timers. No wall clock, no sleeps. (The full simulator lives in `sim`.)
 */
import { encode, MessageType, type Update } from './codec.js';
import { presets, type DetectorConfig } from './config.js';
import { Detector } from './detector.js';
import { seededRandom } from './random.js';
import { testTrust } from './test-trust.js';
import type { DetectorEvent, PeerId, StepResult } from './types.js';

interface InFlight {
  atMs: number;
  order: number;
  from: PeerId;
  to: PeerId;
  bytes: Uint8Array;
}

/** A recorded event with the detector that produced it. */
export interface ObservedEvent {
  observer: PeerId;
  event: DetectorEvent;
}

/** Deterministic in-test network; see the module comment. */
export class TestNetwork {
  nowMs = 0;
  readonly detectors = new Map<PeerId, Detector>();
  readonly events: ObservedEvent[] = [];
  readonly crashed = new Set<PeerId>();
  /** Every message handed to the network (before drops), when `recordSends` is on. */
  readonly sent: { atMs: number; from: PeerId; to: PeerId; bytes: Uint8Array }[] = [];
  recordSends = false;
  /** One-way latency per message (ms). */
  latencyMs: (from: PeerId, to: PeerId) => number = () => 1;
  /** Return true to drop a message (`bytes`: what it carries). */
  drop: (from: PeerId, to: PeerId, bytes?: Uint8Array) => boolean = () => false;
  /** A stalled detector runs nothing before this time (ms): messages wait, timers fire late. */
  readonly stalledUntil = new Map<PeerId, number>();
  /**
   * Detectors added from now on share the network's roster (every detector added is a room
   * member; decision 0027). False: each keeps only what `Detector.admit` and `witness` tell it.
   */
  rosterShared = true;
  /** How late each detector's timers fire (ms). */
  readonly timerLateMs = new Map<PeerId, number>();
  /** Detectors whose timers fire only on multiples of this (ms): a hidden tab's 1 Hz clamp is 1000. */
  readonly timerGridMs = new Map<PeerId, number>();
  private readonly inFlight: InFlight[] = [];
  private readonly links = new Set<string>();
  private order = 0;

  private readonly seed: number;
  /** Every detector signs and verifies membership with the insecure test signer (`testTrust`). */
  readonly trusted: boolean;

  constructor(seed = 1, trusted = false) {
    this.seed = seed;
    this.trusted = trusted;
  }

  add(id: PeerId, config: DetectorConfig = presets.lan, incarnation = 0): Detector {
    const d = new Detector({
      id,
      config,
      random: seededRandom(this.seed * 1000 + this.detectors.size),
      nowMs: this.nowMs,
      incarnation,
      ...(this.trusted ? { trust: testTrust(id) } : {}),
      // Every detector added is in the room: the signaling roster (decision 0027).
      ...(this.rosterShared ? { roster: this.detectors } : {}),
    });
    this.detectors.set(id, d);
    return d;
  }

  get(id: PeerId): Detector {
    const d = this.detectors.get(id);
    if (d === undefined) throw new Error(`no detector ${id}`);
    return d;
  }

  link(a: PeerId, b: PeerId): void {
    this.links.add(`${a}\u0000${b}`).add(`${b}\u0000${a}`);
    this.apply(a, this.get(a).linkUp(b, this.nowMs));
    this.apply(b, this.get(b).linkUp(a, this.nowMs));
  }

  /** Links every pair of the given ids. */
  fullMesh(ids: readonly PeerId[]): void {
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) this.link(ids[i] as PeerId, ids[j] as PeerId);
  }

  /** Delivers a step's sends and records its events. */
  apply(observer: PeerId, r: StepResult): void {
    for (const event of r.events) this.events.push({ observer, event });
    for (const s of r.sends) {
      if (this.recordSends) this.sent.push({ atMs: this.nowMs, from: observer, to: s.to, bytes: s.bytes });
      if (!this.links.has(`${observer}\u0000${s.to}`) || this.drop(observer, s.to, s.bytes)) continue;
      const atMs = this.nowMs + this.latencyMs(observer, s.to);
      this.inFlight.push({ atMs, order: this.order++, from: observer, to: s.to, bytes: s.bytes });
    }
  }

  /** Runs the network until `untilMs` (inclusive). */
  run(untilMs: number): void {
    for (;;) {
      let best: InFlight | undefined;
      let bestIdx = -1;
      for (let i = 0; i < this.inFlight.length; i++) {
        const m = this.inFlight[i] as InFlight;
        if (best === undefined || m.atMs < best.atMs || (m.atMs === best.atMs && m.order < best.order)) {
          best = m;
          bestIdx = i;
        }
      }
      let timerAt = Infinity;
      let timerId: PeerId | undefined;
      for (const [id, d] of this.detectors) {
        if (this.crashed.has(id)) continue;
        const grid = this.timerGridMs.get(id);
        const due = d.nextDeadlineMs() + (this.timerLateMs.get(id) ?? 0);
        const t = Math.max(
          grid === undefined ? due : Math.ceil(due / grid) * grid,
          this.stalledUntil.get(id) ?? -Infinity,
        );
        if (t < timerAt) {
          timerAt = t;
          timerId = id;
        }
      }
      const next = Math.min(best?.atMs ?? Infinity, timerAt);
      if (next > untilMs) break;
      this.nowMs = Math.max(this.nowMs, next);
      if (best !== undefined && best.atMs <= timerAt) {
        this.inFlight.splice(bestIdx, 1);
        const stalled = this.stalledUntil.get(best.to) ?? -Infinity;
        if (stalled > this.nowMs) {
          this.inFlight.push({ ...best, atMs: stalled });
          continue;
        }
        if (!this.crashed.has(best.to))
          this.apply(best.to, this.get(best.to).receive(best.from, best.bytes, this.nowMs));
      } else if (timerId !== undefined) {
        const d = this.get(timerId);
        const late = Math.max(this.timerLateMs.get(timerId) ?? 0, this.nowMs - d.nextDeadlineMs());
        if (late > 0) this.apply(timerId, d.reportTimerLateness(late, this.nowMs));
        this.apply(timerId, d.tick(this.nowMs));
      }
    }
    this.nowMs = untilMs;
  }

  /** State of `peer` as `observer` sees it. */
  stateOf(observer: PeerId, peer: PeerId): string | undefined {
    return this.get(observer).peer(peer)?.state;
  }

  /** Like `stateOf`, but a reaped member reads as how it ended (`failed` or `left`). */
  verdictOf(observer: PeerId, peer: PeerId): string | undefined {
    const d = this.get(observer);
    return d.peer(peer)?.state ?? d.pastMembers().find((p) => p.id === peer)?.ended;
  }

  /** Unlinks a pair (both directions) and reports the link down on both sides. */
  unlink(a: PeerId, b: PeerId): void {
    this.links.delete(`${a}\u0000${b}`);
    this.links.delete(`${b}\u0000${a}`);
    this.apply(a, this.get(a).linkDown(b, this.nowMs));
    this.apply(b, this.get(b).linkDown(a, this.nowMs));
  }

  /** Time of the first status change `observer` saw for `peer` into `to` at or after `sinceMs`. */
  firstTransitionMs(observer: PeerId, peer: PeerId, to: string, sinceMs = 0): number | undefined {
    for (const { observer: o, event } of this.events) {
      if (o !== observer || event.type !== 'status-change') continue;
      if (event.detail.peer === peer && event.detail.to === to && event.detail.atMs >= sinceMs)
        return event.detail.atMs;
    }
    return undefined;
  }

  /** `from` hands `to` a sync message carrying `updates` (a test liar may lie in them; the link says who it is). */
  say(from: PeerId, to: PeerId, updates: Update[]): void {
    const bytes = encode({ type: MessageType.sync, seq: 1, updates, extensions: [] });
    this.apply(to, this.get(to).receive(from, bytes, this.nowMs));
  }

  /** Status changes `observer` saw for `peer`, as "from->to". */
  transitions(observer: PeerId, peer: PeerId): string[] {
    const out: string[] = [];
    for (const { observer: o, event } of this.events) {
      if (o === observer && event.type === 'status-change' && event.detail.peer === peer)
        out.push(`${event.detail.from}->${event.detail.to}`);
    }
    return out;
  }
}
