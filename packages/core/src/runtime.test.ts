import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { Detector } from './detector.js';
import { seededRandom } from './random.js';
import { runDetector, type Scheduler } from './runtime.js';
import type { Transport } from './transport.js';
import type { PeerId } from './types.js';

/** A virtual clock whose timers are the injected scheduler (the runtime must use nothing else). */
class VirtualTime implements Scheduler {
  nowMs = 0;
  scheduled = 0;
  /** Every timer fires this much later than asked (a busy or throttled thread). */
  lateByMs = 0;
  private timers: { atMs: number; fn: () => void; live: boolean }[] = [];
  schedule(fn: () => void, delayMs: number): () => void {
    const t = { atMs: this.nowMs + delayMs + this.lateByMs, fn, live: true };
    this.timers.push(t);
    this.scheduled += 1;
    return () => {
      t.live = false;
    };
  }
  run(untilMs: number): void {
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (a, t) => (a === undefined || t.atMs < a.atMs ? t : a),
        undefined,
      );
      if (next === undefined || next.atMs > untilMs) break;
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.live = false;
      next.fn();
    }
    this.nowMs = untilMs;
  }
}

/** Two in-memory transports linked to each other; delivery is a 1 ms timer on the virtual clock. */
function pair(time: VirtualTime, a: PeerId, b: PeerId): [Transport, Transport, () => void] {
  let cut = false;
  const make = (
    self: PeerId,
    other: PeerId,
  ): Transport & { deliver(from: PeerId, bytes: Uint8Array): void } => {
    const handlers: ((from: PeerId, bytes: Uint8Array) => void)[] = [];
    return {
      localId: self,
      maxMessageBytes: 16_384,
      send: (to, bytes) => {
        if (cut || to !== other) return;
        const copy = bytes.slice();
        time.schedule(() => peers[to === a ? 0 : 1].deliver(self, copy), 1);
      },
      linkedPeers: () => [other],
      onMessage: (h) => {
        handlers.push(h);
        return () => handlers.splice(handlers.indexOf(h), 1);
      },
      onLinkChange: () => () => undefined,
      deliver: (from, bytes) => {
        for (const h of handlers) h(from, bytes);
      },
    };
  };
  const peers = [make(a, b), make(b, a)] as const;
  return [peers[0], peers[1], () => (cut = true)];
}

describe('runDetector with an injected scheduler', () => {
  it('drives two detectors on a virtual clock; a silent peer is failed', () => {
    const time = new VirtualTime();
    const [ta, tb, cut] = pair(time, 'a', 'b');
    const make = (id: PeerId, seed: number): Detector =>
      new Detector({ id, config: presets.lan, random: seededRandom(seed), nowMs: 0 });
    const a = make('a', 1);
    const b = make('b', 2);
    const states: string[] = [];
    const ra = runDetector(a, ta, {
      nowMs: () => time.nowMs,
      scheduler: time,
      onStep: (r) => {
        for (const e of r.events)
          if (e.type === 'status-change') states.push(`${e.detail.from}->${e.detail.to}`);
      },
    });
    const rb = runDetector(b, tb, { nowMs: () => time.nowMs, scheduler: time });
    time.run(5_000);
    expect(time.scheduled).toBeGreaterThan(10);
    expect(a.peer('b')?.state).toBe('healthy');
    expect(b.peer('a')?.state).toBe('healthy');
    expect(a.peer('b')?.link.rttMs).toBeGreaterThan(0);
    rb.stop(); // b crashes: no timer, no answers
    cut();
    time.run(15_000);
    expect(a.peer('b')?.state).toBe('failed');
    expect(states).toContain('suspected->failed');
    ra.stop();
    const before = time.scheduled;
    time.run(30_000);
    expect(time.scheduled).toBe(before); // stopped: nothing rescheduled
  });

  it('reports how late its timers fire, as the load vital sign', () => {
    const time = new VirtualTime();
    const [ta, tb] = pair(time, 'a', 'b');
    const a = new Detector({ id: 'a', config: presets.lan, random: seededRandom(3), nowMs: 0 });
    const b = new Detector({ id: 'b', config: presets.lan, random: seededRandom(4), nowMs: 0 });
    const ra = runDetector(a, ta, { nowMs: () => time.nowMs, scheduler: time });
    runDetector(b, tb, { nowMs: () => time.nowMs, scheduler: time });
    time.run(2_000);
    expect(ra.timerLateness()).toEqual({ lastMs: 0, averageMs: 0 });
    time.lateByMs = 40;
    time.run(6_000);
    const { lastMs, averageMs } = ra.timerLateness();
    expect(lastMs).toBeGreaterThanOrEqual(40);
    expect(averageMs).toBeGreaterThan(20);
    expect(b.peer('a')?.vitals?.loadMs).toBeGreaterThan(0); // carried to the peer in acks
    expect(ra.stopped).toBe(false);
    ra.stop();
    expect(ra.stopped).toBe(true);
  });
});
