// Session-22 review of decision 0063 §2-3 (every answered ping-req charged to its requester; relay
// jobs capped per target, the last `indirectChecks + 1` tokens kept for requesters without a job
// there within `probeIntervalMsMin`) as a hostile room member attacks it. Unit level: a
// `RelayJobBudget` (browser preset: 16 jobs at once and 20/s per requester, 64 at once and 20/s
// per target, 4 reserved), charged as `handlePingReq` charges it: the requester's token first
// (`take`), then the target's (`takeAt`). Virtual time, no randomness: every run is the same.
// The last describe runs the same rules through real detectors on a `TestNetwork` (signed, virtual
// clock) to reach what the per-target bucket does not cover: the relay's `relayJobsMax` open jobs.
// A held property is an `it`; a hole is an `it.fails` naming the property, with its numbers and a fix.
// Both holes it found are closed by decision 0071 (`relay-budget.ts`, `relay-jobs.ts`).
// Run: nice -n 19 pnpm vitest run packages/core/src/review-s22-relay.test.ts
import { describe, expect, it } from 'vitest';
import { decode, encode, MessageType } from './codec.js';
import { presets } from './config.js';
import { RELAY_REQUESTERS_TRACKED_MAX, RELAY_TARGETS_TRACKED_MAX, RelayJobBudget } from './relay-budget.js';
import { TestNetwork } from './test-network.js';
import { ask, askRing } from './test-relay.js';
import type { PeerId } from './types.js';

const config = presets.browser;

interface Starved {
  /** Honest asks about carol (one each 200 ms, from 5 s on) nacked because carol's bucket was spent. */
  capped: number;
  asks: number;
  /** Jobs Mallory's ids got at carol over the 20 s. */
  malloryJobs: number;
}

/**
 * `k` ids of Mallory ask the relay about carol every `everyMs` each (spread evenly) for 20 s; an
 * honest prober asks about carol once a `probeIntervalMsMin` (200 ms), as a probe round would, at
 * `phase` ms into each period.
 */
function starve1(k: number, everyMs: number, phase: number): Starved {
  const budget = new RelayJobBudget(config);
  const ids = Array.from({ length: k }, (_, i) => `mallory${i}`);
  let capped = 0;
  let asks = 0;
  let malloryJobs = 0;
  for (let t = 0; t < 20_000; t += 1) {
    for (let i = 0; i < k; i++)
      if (
        (t + Math.floor((i * everyMs) / k)) % everyMs === 0 &&
        ask(budget, ids[i] as PeerId, 'carol', t) === 'job'
      )
        malloryJobs += 1;
    if (t % config.probeIntervalMsMin === phase) {
      const r = ask(budget, 'honest', 'carol', t);
      if (t >= 5_000) {
        asks += 1;
        if (r === 'capped') capped += 1;
      }
    }
  }
  return { capped, asks, malloryJobs };
}

/** {@link starve1} summed over the honest prober's 20 phases (0, 10, ..., 190 ms into a period). */
function starve(k: number, everyMs: number): Starved & { phasesStarved: number } {
  const sum = { capped: 0, asks: 0, malloryJobs: 0, phasesStarved: 0 };
  for (let phase = 0; phase < config.probeIntervalMsMin; phase += 10) {
    const r = starve1(k, everyMs, phase);
    sum.capped += r.capped;
    sum.asks += r.asks;
    sum.malloryJobs = Math.max(sum.malloryJobs, r.malloryJobs);
    if (r.capped > r.asks / 2) sum.phasesStarved += 1;
  }
  return sum;
}

const show = (k: number, r: ReturnType<typeof starve>): string =>
  `${k} ids x 20/s: honest asks about carol nacked ${r.capped} of ${r.asks} (${r.phasesStarved} of 20 ` +
  `phases mostly nacked), Mallory's jobs at carol at most ${r.malloryJobs} in 20 s`;

describe('decision 0063 §2-3: relay jobs about one target against many requester ids', () => {
  // Held: up to 3 ids at their own budget (20 ping-reqs/s each, 3 x the refill) never get an
  // honest prober's ask nacked, whatever its phase.
  it('3 ids at 20 ping-reqs/s each never get an honest ask about carol nacked', () => {
    const r = starve(3, 50);
    console.log(show(3, r));
    expect(r.capped).toBe(0);
  });

  // Closed (decision 0071; session 22's review found it open). The reserve was kept for a
  // requester "without a job there within a period", and each of Mallory's ids was such a
  // requester again 200 ms after its last job, so k ids took k reserved tokens a period: at
  // k = indirectChecks + 1 = 4 the whole refill (4 x 5/s = 20/s). Measured then (ids at their own
  // budget, 20 ping-reqs/s each, spread evenly; the honest prober asks once every 200 ms, at each
  // of 20 phases, 75 asks a phase from 5 s to 20 s): 3 ids: 0 of 1,500 nacked; 4 ids: 1,125 of
  // 1,500 (15 of 20 phases every ask); 5 ids: 1,200; 8 ids: 1,275; 16 ids: 1,500 of 1,500.
  // Fix: the reserve is for a requester that has not *asked* about the target within a period
  // (a nacked ask counts): an honest prober asks a relay about a target at most once a round,
  // each of these ids 4 times a period, so none of them ever reaches the reserve. Now 0 of 1,500
  // at 4, 5, 8 and 16 ids. (Ids that each ask once a period are in the reserve's class: see the
  // describe below.)
  it('4 ids at 20 ping-reqs/s each never get an honest ask about carol nacked', () => {
    for (const k of [5, 8, 16]) console.log(show(k, starve(k, 50)));
    const r = starve(4, 50);
    console.log(show(4, r));
    expect(r.capped).toBe(0);
  });

  // Held: whatever the number of ids, all of them together get no more jobs at carol than her
  // bucket (64 at once + 20/s): the ping budget carol holds for this relay is not exceeded.
  it('64 ids at 20 ping-reqs/s each get at most 64 + 20/s jobs at carol together', () => {
    const r = starve(64, 50);
    console.log(show(64, r));
    expect(r.malloryJobs).toBeLessThanOrEqual(64 + 20 * 20 + 1);
  });

  // Held: memory stays bounded under a flood of fresh requester and target ids (every map is
  // capped: 1,024 requesters, 1,024 targets, 32 asked-about targets a requester: decision 0071
  // moved the reserve's memory from 16 requesters a target to the requester's last 32 targets).
  it('200,000 ping-reqs from distinct ids about distinct targets keep every map at its cap', () => {
    const budget = new RelayJobBudget(config);
    for (let i = 0; i < 100_000; i++) ask(budget, `r${i}`, `t${i % 5_000}`, i);
    // Then 500 requesters (all tracked) asking about ever new targets, 2 a second each.
    for (let i = 0; i < 100_000; i++) ask(budget, `s${i % 500}`, `u${i}`, 100_000 + i);
    const inner = budget as unknown as {
      buckets: Map<PeerId, { asked: Map<PeerId, number> }>;
      targets: Map<PeerId, unknown>;
    };
    expect(inner.buckets.size).toBeLessThanOrEqual(RELAY_REQUESTERS_TRACKED_MAX);
    expect(inner.targets.size).toBeLessThanOrEqual(RELAY_TARGETS_TRACKED_MAX);
    let askedMax = 0;
    for (const b of inner.buckets.values()) askedMax = Math.max(askedMax, b.asked.size);
    expect(budget.askedTargetsMax).toBe(32);
    expect(askedMax).toBe(32);
  });

  // Held: a requester whose bucket a flood forgot (past 1,024 tracked ids) comes back with a full
  // bucket, never an empty one: forgetting cannot make the relay refuse an honest requester.
  it('a flood of 5,000 requester ids never makes the relay refuse an honest requester', () => {
    const budget = new RelayJobBudget(config);
    let refused = 0;
    for (let t = 0; t < 10_000; t += 1) {
      for (let i = 0; i < 5; i++) ask(budget, `sybil${(t * 5 + i) % 5_000}`, `x${i}`, t);
      if (t % 200 === 0 && ask(budget, 'honest', `y${t % 7}`, t) === 'refused') refused += 1;
    }
    expect(refused).toBe(0);
  });
});

interface Filled {
  asks: number;
  /** Honest ping-reqs about carol victim answered with a nack / with a relayed ack. */
  nacked: number;
  acked: number;
  dropped: number;
  capped: number;
}

/**
 * victim, honest and carol in a full signed mesh (browser preset, 1 ms links); `k` ids of Mallory
 * linked to victim over a `oneWayMs` path each (far away, or answering late on purpose). From 5 s
 * on each id sends victim a ping-req about the next id every `everyMs` (50 ms: 20/s, its own budget;
 * each target id is asked 20 times a second: its target bucket's refill); from 7 s on honest asks
 * victim about carol once every `honestEveryMs` (200 ms: every period, as a prober asking that
 * relay about that target every round would).
 */
function fillJobs(k: number, oneWayMs: number, everyMs = 50, honestEveryMs = 200): Filled {
  const net = new TestNetwork(5, true);
  for (const id of ['victim', 'honest', 'carol']) net.add(id, presets.browser);
  net.fullMesh(['victim', 'honest', 'carol']);
  const ids = Array.from({ length: k }, (_, i) => `mallory${i}`);
  for (const id of ids) {
    net.add(id, presets.browser);
    net.link('victim', id);
  }
  net.latencyMs = (a, b) => (ids.includes(a) || ids.includes(b) ? oneWayMs : 1);
  net.recordSends = true;
  net.run(5_000);
  const victim = net.get('victim');
  const seqs = new Set<number>();
  for (let t = 5_000; t < 15_000; t += 1) {
    if (t % everyMs === 0) askRing(net, ids, k, t);
    if (t % honestEveryMs === 100 && t >= 7_000) {
      const seq = 40_000 + seqs.size;
      seqs.add(seq);
      const bytes = encode({ type: MessageType.pingReq, seq, target: 'carol', updates: [], extensions: [] });
      net.apply('victim', victim.receive('honest', bytes, t));
    }
    net.run(t);
  }
  let nacked = 0;
  let acked = 0;
  for (const s of net.sent) {
    if (s.from !== 'victim' || s.to !== 'honest') continue;
    const d = decode(s.bytes);
    if (!d.ok) continue;
    const m = d.message;
    if (m.type === MessageType.nack && seqs.has(m.ackSeq)) nacked += 1;
    if (m.type === MessageType.ack && m.relayed && seqs.has(m.ackSeq)) acked += 1;
  }
  const st = victim.stats();
  return { asks: seqs.size, nacked, acked, dropped: st.relayJobsDropped, capped: st.relayJobsCapped };
}

const showFilled = (k: number, oneWayMs: number, r: Filled, everyMs = 50): string =>
  `${k} ids ${oneWayMs} ms away, ${1000 / everyMs} ping-reqs/s each about one another: honest's ${r.asks} asks about ` +
  `carol: ${r.nacked} nacked, ${r.acked} relayed acks; victim relay jobs dropped ${r.dropped}, capped ${r.capped}`;

describe("decision 0063 §3 and the relay's open jobs (`relayJobsMax`)", () => {
  it('control: 8 far ids at their budgets leave honest ping-reqs about carol answered', () => {
    const r = fillJobs(8, 125);
    console.log(showFilled(8, 125, r));
    expect(r.nacked).toBe(0);
  });

  // Closed (decision 0071; session 22's review found it open). 0063 capped jobs per requester
  // and per target, but `handlePingReq` checked the relay's `relayJobsMax` open jobs, shared by
  // everyone, before either: a job stays open until its target acks or its timeout passes, which a
  // target of Mallory's sets (far away, or answering late). Measured then: 16 ids linked to victim
  // 125 ms away (250 ms round trips), each asking victim about the next at its own budget (20/s):
  // 320 jobs a second, ~0.25 s each, kept the 64 open: honest's ping-reqs about carol (1 ms away,
  // alive) 40 of 40 nacked, 0 relayed acks (victim dropped 680 jobs, capped 0); 12 ids: 0 of 40
  // (dropped 8); 8 ids: 0 of 40; 16 ids 1 ms away: 0 of 40.
  // Fix: when the open jobs are full, the oldest job of the requester holding the most (if it
  // holds two more than the newcomer) is ended with a nack to make room (longest-queue drop), so
  // a requester holding none gets one. Now 40 of 40 relayed acks, 0 nacked (victim dropped 696:
  // Mallory's newcomers and the jobs they displaced among themselves).
  it('16 far ids at their budgets never get an honest ping-req about carol nacked', () => {
    const r = fillJobs(16, 125);
    console.log(showFilled(16, 125, r));
    for (const [k, w] of [
      [12, 125],
      [16, 1],
    ] as const)
      console.log(showFilled(k, w, fillJobs(k, w)));
    expect(r.nacked).toBe(0);
  });
});

describe('decision 0071 attacked: the open jobs shared longest-queue first', () => {
  // Held: 32 far ids hold 2 jobs each at most when the 64 are full, so a requester holding none
  // (honest) always displaces one of them.
  it('32 far ids at their budgets never get an honest ping-req about carol nacked', () => {
    const r = fillJobs(32, 125);
    console.log(showFilled(32, 125, r));
    expect(r.nacked).toBe(0);
    expect(r.acked).toBe(r.asks);
  });

  // Held: 64 far ids asking faster than once a period hold at most 60 between them (the last 4
  // kept for requesters asking at most once a period), so honest's ping-reqs (once a period) always find one.
  it('64 far ids at their budgets never get an honest ping-req about carol nacked', () => {
    const r = fillJobs(64, 125);
    console.log(showFilled(64, 125, r));
    expect(r.nacked).toBe(0);
    expect(r.acked).toBe(r.asks);
  });

  // OPEN: paced ids (one ping-req a period or less each) are what the last jobs are kept for, and
  // 64 of them holding one job each leave nobody holding two to displace. Measured: 64 ids 125 ms
  // away asking once every 250 ms each: honest's 40 asks 40 nacked; every 200 ms: 20 of 40. Needs 64 ids linked to the relay, each keeping a job
  // open against a far target of Mallory's. Fix (not made): hand the reserved jobs by standing
  // (the age of the requester's membership), or cap the open jobs per requester link's origin.
  it.fails('64 far ids asking once a period each never get an honest ping-req about carol nacked', () => {
    const r = fillJobs(64, 125, 250);
    console.log(showFilled(64, 125, r, 250));
    const r200 = fillJobs(64, 125, 200);
    console.log(showFilled(64, 125, r200, 200));
    expect(r.nacked + r200.nacked).toBe(0);
  });

  // Held: the same 64 ids asking once a period each leave the last 2 open jobs to requesters
  // quiet for 800 ms; an honest prober asks one relay about one target once in N rounds (here
  // once a second) and is never nacked.
  it('64 far ids asking once a period each never get a quiet honest ping-req about carol nacked', () => {
    for (const everyMs of [200, 250]) {
      const r = fillJobs(64, 125, everyMs, 1_000);
      console.log(showFilled(64, 125, r, everyMs), '(honest asking once a second)');
      expect(r.nacked).toBe(0);
      expect(r.acked).toBe(r.asks);
    }
  });
});
