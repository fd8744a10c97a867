// The relay's displaced jobs (decision 0077): a job displaced to make room keeps its answer, in a
// ring of at most `relayJobsMax`; past it the oldest ends in a bare nack. Every ping-req taken gets
// exactly one answer either way.
// Run: nice -n 10 pnpm vitest run packages/core/src/relay-jobs.test.ts
import { describe, expect, it } from 'vitest';
import { decode, encode, MessageType } from './codec.js';
import { presets } from './config.js';
import type { DetectorState } from './detector-state.js';
import { TestNetwork } from './test-network.js';
import type { PeerId } from './types.js';

const config = presets.browser;
const stateOf = (d: unknown): DetectorState => (d as { s: DetectorState }).s;

describe('decision 0077: displaced relay jobs', () => {
  // 16 ids 125 ms away each spend their whole burst (16 ping-reqs about the next id), one id after
  // the other in one millisecond: the first ids fill the open jobs, and each later id's asks
  // displace the largest holder's oldest job, well over `relayJobsMax` of them before any answer
  // can come back (250 ms round trip).
  it('a burst of displacements keeps at most relayJobsMax displaced jobs, and answers every ping-req once', () => {
    const net = new TestNetwork(5, true);
    net.add('victim', config);
    const ids = Array.from({ length: 16 }, (_, i) => `mallory${i}`);
    for (const id of ids) {
      net.add(id, config);
      net.link('victim', id);
    }
    net.latencyMs = () => 125;
    net.run(3_000);
    net.recordSends = true;
    const victim = net.get('victim');
    const burst = 16;
    for (let i = 0; i < ids.length; i++)
      for (let j = 0; j < burst; j++) {
        const target = ids[(i + 1) % ids.length] as PeerId;
        const bytes = encode({ type: MessageType.pingReq, seq: j, target, updates: [], extensions: [] });
        net.apply('victim', victim.receive(ids[i] as PeerId, bytes, 3_001));
      }
    const displacedAfterBurst = stateOf(victim).relayJobsDisplaced.length;
    net.run(4_000);
    const answers = new Map<string, number>();
    for (const s of net.sent) {
      if (s.from !== 'victim' || !ids.includes(s.to)) continue;
      const d = decode(s.bytes);
      if (!d.ok) continue;
      const m = d.message;
      if (m.type !== MessageType.nack && !(m.type === MessageType.ack && m.relayed)) continue;
      const key = `${s.to}/${m.ackSeq}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    }
    const st = victim.stats();
    console.log(
      `16 ids x ${burst} ping-reqs at once: ${displacedAfterBurst} displaced jobs held (max ${config.relayJobsMax}), ` +
        `${st.relayJobsDropped} dropped, ${answers.size} ping-reqs answered, most answers to one ${Math.max(...answers.values())}`,
    );
    expect(st.relayJobsDropped).toBeGreaterThan(config.relayJobsMax);
    expect(displacedAfterBurst).toBe(config.relayJobsMax);
    expect(answers.size).toBe(ids.length * burst - st.relayJobsRefused);
    expect(Math.max(...answers.values())).toBe(1);
    expect(stateOf(victim).relayJobs.length + stateOf(victim).relayJobsDisplaced.length).toBe(0);
  });
});
