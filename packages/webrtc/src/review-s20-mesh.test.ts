// Session-20 review of decision 0050's session budget (`ConnectionManager`, createMesh): a token
// bucket per signaling slot, i.e. per peer id, of links a member makes this peer build. The id is
// the attacker's choice: does a fresh id bring a fresh budget? Mallory is a real client of a real
// signaling server (default limits: 64 sockets and 64 joins/s per address), the victim a real
// createMesh peer; Mallory's far end is one bare node-datachannel offer, never answered.
// A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: bash scripts/netns.sh pnpm exec vitest run packages/webrtc/src/review-s20-mesh.test.ts
import { describe, expect, it } from 'vitest';
import { stateOf } from './mesh-test-support.js';
import {
  malloryConnection,
  memberClient,
  undoAfterEach,
  victimAndHonest,
} from './review-mesh-test-support.js';
import { until } from './test-helpers.js';

const cleanups = undoAfterEach();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Victim and honest linked in a room; Mallory's `ids` joined it from one address. */
async function room(ids: string[]) {
  const { room: r, victim, honest } = await victimAndHonest(cleanups);
  const clients = ids.map((peerId) => memberClient(cleanups, r, peerId));
  await until(() => clients.every((c) => c.state === 'connected'), 10_000, 'Mallory’s ids joined');
  const { offer } = await malloryConnection(cleanups);
  return { room: r, victim, honest, clients, offer };
}

/** 200 offers in fresh sessions, spread over Mallory's ids in turn, ~40 a second; links built. */
async function offers(r: Awaited<ReturnType<typeof room>>): Promise<{ built: number; refused: number }> {
  const { counters } = r.victim.transport.manager;
  const [created, refused] = [counters.linksCreated, counters.sessionsRefused];
  for (let i = 0; i < 200; i++) {
    const client = r.clients[i % r.clients.length]!;
    client.signal('victim', { v: 1, t: 'sdp', s: `churn${i}`, d: [{ type: 'offer', sdp: r.offer }] });
    await sleep(25);
  }
  await sleep(1_000);
  return { built: counters.linksCreated - created, refused: counters.sessionsRefused - refused };
}

describe('the session budget (decision 0050) against fresh ids', () => {
  it('holds for one id: 200 fresh-session offers from one id get at most 20 links built', async () => {
    const r = await room(['amallory']);
    const { built, refused } = await offers(r);
    console.log(`one id: ${built} built, ${refused} refused`);
    expect(built).toBeLessThanOrEqual(20);
    expect(built + refused).toBe(200);
    expect(stateOf(r.victim, 'honest')).toBe('healthy');
  });

  // HOLE (the budget is keyed by the attacker's choice): `#sessionAllowed` keeps a bucket per
  // signaling slot (peer id), and every id Mallory joins under brings a full one (10). One address
  // may hold 64 sockets, one id each per room, and join 64 ids a second (decision 0047), so the
  // per-member budget is a per-id budget. Measured: the same 200 offers spread over 20 ids joined
  // from one address: 200 built, 0 refused (one id, the test above: 10 built, 190 refused), as
  // in s19 before the budget. Fix: a second bucket over all slots for links built on
  // others' initiative (offers in new sessions, dial requests), sized from the room (e.g. burst
  // = `acceptConnectionsMax`, refill `sessions` a minute per linked member), so the sum of fresh
  // ids is bounded too; honest mass re-joins (a server restart) fit its burst.
  // CLOSED (decision 0056): links asked for by strangers (no link to them held `stableLinkMs`)
  // also take a token of one shared bucket (18, refilled 18 a minute, back when the link opens).
  // Measured: 20 ids, 200 offers -> 19 built, 181 refused.
  it('20 fresh ids from one address: the same 200 offers get at most 20 links built', async () => {
    const r = await room(Array.from({ length: 20 }, (_, i) => `amallory${i}`));
    const { built, refused } = await offers(r);
    console.log(`20 ids: ${built} built, ${refused} refused`);
    expect(built).toBeLessThanOrEqual(20);
  });

  it('control: without Mallory a newcomer links to victim and honest within 6 s', async () => {
    const r = await room([]);
    r.room.join('carol', { config: {} });
    await until(
      () => stateOf(r.victim, 'carol') === 'healthy' && stateOf(r.honest, 'carol') === 'healthy',
      6_000,
      'carol linked to both',
    );
  });

  // HOLE (accept capacity held by fresh ids: a newcomer isolated): a peer accepts at most
  // `acceptConnectionsMax` links (40 with the default `maxConnections` 32), counting links still
  // connecting, and a link that never connects holds its place for `connectTimeoutMs` (15 s).
  // Every id Mallory joins may make each member build one link at once (its session budget is
  // 10), so 40 ids from one address, one unanswered offer each to every member, fill every
  // member's capacity: a newcomer's offers are answered `busy` and it retries after
  // `busyRetryMs` (15-30 s); Mallory re-offers before her links time out (10 a minute per id
  // allowed). Measured: victim built 40 links (honest's and 39 of Mallory's, then `busy`), and
  // carol was linked to neither victim nor honest 6 s after joining (control without Mallory:
  // linked to both in ~1.2 s, the `it` above). Fix: links that the far side asked for and that
  // are still connecting get a share of the capacity (e.g. at most `acceptConnectionsMax -
  // maxConnections` at once, the oldest replaced first), so a member's own dials and answered
  // links are never crowded out by offers nobody completes; or bound fresh ids as above.
  // CLOSED (decision 0056): the shared stranger bucket builds 16 of the 40 held offers, keeps its
  // last 2 tokens for a first contact that displaces the oldest unheard link (a stranger's, never
  // opened, older than 1 s), which also makes room at the accept capacity. Measured: victim built
  // 18 links (honest, 16 of Mallory's, carol) and carol was linked to victim within 6 s.
  it('40 fresh ids from one address with one unanswered offer each: a newcomer still links within 6 s', async () => {
    const r = await room(Array.from({ length: 40 }, (_, i) => `amallory${i}`));
    r.clients.forEach((client, i) => {
      for (const to of ['victim', 'honest'])
        client.signal(to, { v: 1, t: 'sdp', s: `hold${i}`, d: [{ type: 'offer', sdp: r.offer }] });
    });
    await sleep(1_000);
    const carol = r.room.join('carol', { config: {} });
    const linkedToSomeone = (): boolean =>
      stateOf(r.victim, 'carol') === 'healthy' || stateOf(r.honest, 'carol') === 'healthy';
    await until(linkedToSomeone, 6_000, 'carol linked').catch(() => undefined);
    const { counters } = r.victim.transport.manager;
    console.log(
      `40 held offers: carol linked to victim ${stateOf(r.victim, 'carol')}, honest ${stateOf(r.honest, 'carol')}; ` +
        `victim busySent ${counters.busySent}, linksCreated ${counters.linksCreated}, ` +
        `refused ${counters.strangerSessionsRefused}, displaced ${counters.unheardLinksDisplaced}; carol ${carol.status}`,
    );
    expect(linkedToSomeone()).toBe(true);
  });
});
