import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { Detector } from './detector.js';
import { seededRandom } from './random.js';
import { runDetector, timerDelayMs, type Scheduler } from './runtime.js';
import type { Transport } from './transport.js';
import type { PeerId, StepResult } from './types.js';

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

/**
 * A detector reduced to what the runtime calls, whose next deadline the test sets: the runtime's
 * timer arithmetic is checked against exact deadlines a real detector cannot be made to produce.
 */
class ScriptedDetector {
  deadlineMs = Infinity;
  readonly lateness: number[] = [];
  readonly ticks: number[] = [];
  /** Runs on each `receive` (e.g. moves the deadline, as a message can). */
  onReceive: (nowMs: number) => void = () => undefined;
  private readonly none = (): StepResult => ({ sends: [], events: [] });
  nextDeadlineMs(): number {
    return this.deadlineMs;
  }
  setLoad(): void {}
  limitMessageBytes(): void {}
  reportTimerLateness(lateMs: number): StepResult {
    this.lateness.push(lateMs);
    return this.none();
  }
  tick(nowMs: number): StepResult {
    this.ticks.push(nowMs);
    if (nowMs >= this.deadlineMs) this.deadlineMs = Infinity; // its work is done
    return this.none();
  }
  receive(_from: PeerId, _bytes: Uint8Array, nowMs: number): StepResult {
    this.onReceive(nowMs);
    return this.none();
  }
  linkUp(): StepResult {
    return this.none();
  }
  linkDown(): StepResult {
    return this.none();
  }
}

/** A transport with no links whose inbound messages the test delivers by hand. */
function handTransport(): Transport & { deliver(): void } {
  const handlers: ((from: PeerId, bytes: Uint8Array) => void)[] = [];
  return {
    localId: 'a',
    maxMessageBytes: 16_384,
    send: () => undefined,
    linkedPeers: () => [],
    onMessage: (h) => {
      handlers.push(h);
      return () => undefined;
    },
    onLinkChange: () => () => undefined,
    deliver: () => {
      for (const h of handlers) h('b', new Uint8Array(1));
    },
  };
}

function runScripted(time: VirtualTime, d: ScriptedDetector, transport = handTransport()) {
  const running = runDetector(d as unknown as Detector, transport, {
    nowMs: () => time.nowMs,
    scheduler: time,
  });
  return { running, transport };
}

describe('timer lateness', () => {
  it('counts a deadline already past when the timer is armed as due, not late', () => {
    const time = new VirtualTime();
    time.nowMs = 5_000;
    const d = new ScriptedDetector();
    d.deadlineMs = 4_000; // e.g. a check dated from when the peer was last heard
    const { running } = runScripted(time, d);
    time.run(5_010);
    expect(d.ticks).toEqual([5_000]);
    expect(d.lateness).toEqual([0]);
    expect(running.timerLateness()).toEqual({ lastMs: 0, averageMs: 0 });
  });

  it('measures lateness from the time armed plus the delay', () => {
    const time = new VirtualTime();
    const d = new ScriptedDetector();
    d.deadlineMs = 250;
    time.lateByMs = 30;
    runScripted(time, d);
    time.run(1_000);
    expect(d.ticks).toEqual([280]);
    expect(d.lateness).toEqual([30]);
  });

  it('measures a stall when a message runs first after it and moves the deadline', () => {
    const time = new VirtualTime();
    const d = new ScriptedDetector();
    d.deadlineMs = 100;
    const { running, transport } = runScripted(time, d);
    // The thread stalls from 0 to 700: the timer due at 100 has not run; a message callback runs
    // first and moves the deadline later (and then earlier): the overdue timer must stay armed.
    time.nowMs = 700;
    d.onReceive = (nowMs) => (d.deadlineMs = nowMs + 200);
    transport.deliver();
    d.onReceive = (nowMs) => (d.deadlineMs = nowMs + 50);
    transport.deliver();
    time.run(700);
    expect(d.lateness).toEqual([600]);
    expect(d.ticks).toEqual([700]);
    expect(running.timerLateness().lastMs).toBe(600);
    // After its tick the timer is armed again for the deadline the message set.
    time.run(2_000);
    expect(d.ticks).toEqual([700, 750]);
    expect(d.lateness).toEqual([600, 0]);
  });

  it('re-arms a timer that is not yet due when the deadline moves', () => {
    const time = new VirtualTime();
    const d = new ScriptedDetector();
    d.deadlineMs = 1_000;
    const { transport } = runScripted(time, d);
    time.nowMs = 400;
    d.onReceive = () => (d.deadlineMs = 500);
    transport.deliver();
    time.run(2_000);
    expect(d.ticks).toEqual([500]);
    expect(d.lateness).toEqual([0]);
  });

  it('caps the delay at TIMER_DELAY_MS_MAX and measures lateness from the capped firing', () => {
    const cap = 2_147_483_647;
    const time = new VirtualTime();
    const d = new ScriptedDetector();
    d.deadlineMs = cap + 1_000_000;
    time.lateByMs = 25;
    runScripted(time, d);
    time.run(cap + 100);
    // Fired once at the cap, 25 ms late though the deadline is still ahead; re-armed for the rest.
    expect(d.ticks).toEqual([cap + 25]);
    expect(d.lateness).toEqual([25]);
    time.run(cap + 2_000_000);
    expect(d.ticks).toEqual([cap + 25, cap + 1_000_025]);
    expect(d.lateness).toEqual([25, 25]);
  });
});

describe('timerDelayMs', () => {
  it.each([
    [-3, 0], // documented: overdue is due now
    [0, 0],
    [0.2, 2], // documented: never a sub-millisecond timer that fires before its deadline
    [249, 250], // documented
    [249.6, 251],
    [2_147_483_647, 2_147_483_647], // setTimeout's limit (above it Node fires after 1 ms)
  ])('%f ms to the deadline → setTimeout(%i)', (untilMs, delayMs) => {
    expect(timerDelayMs(untilMs)).toBe(delayMs);
  });
  it('a timer on whole milliseconds (armed at a truncated time, delay truncated) never fires early', () => {
    for (const armedAt of [100, 100.01, 100.5, 100.99])
      for (const untilMs of [0.2, 1, 49.9, 249.6, 250]) {
        const firesAt = Math.trunc(armedAt) + Math.trunc(timerDelayMs(untilMs)); // Node's earliest
        expect(firesAt).toBeGreaterThanOrEqual(armedAt + untilMs);
      }
  });
});
