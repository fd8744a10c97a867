// Roster asks (decision 0034): the `wanted` extension's bounds, the answer, its rate limit, the
// asker's bounds, and hostile answers (a record is admitted as any other: a forgery is refused).
import { describe, expect, it, vi } from 'vitest';
import { decode, encode, ExtensionType, MessageType, UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { ROSTER_ASKS_PER_MEMBER, ROSTER_ASK_IDS_MAX, readWanted, wantedExtension } from './roster-asks.js';
import { signUpdate } from './signed-update.js';
import { sparse } from './test-sparse.js';
import { SYNC_UNKNOWN_SERVED_MAX } from './send.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';

// The lying-link scenario runs five seeds of a 43-peer simulation (CPU-bound, seconds each); the
// timeout only guards against a hang.
vi.setConfig({ testTimeout: 180_000 });

function ask(ids: string[], extensionBytes?: Uint8Array): Uint8Array {
  const e =
    extensionBytes === undefined
      ? wantedExtension(ids)
      : { type: ExtensionType.wanted, bytes: extensionBytes };
  return encode({ type: MessageType.syncRequest, seq: 1, updates: [], extensions: [e] });
}

/** Trusted full mesh of `ids`, run to 10 s, every send recorded. */
function mesh(ids: string[]): TestNetwork {
  const net = new TestNetwork(3, true);
  net.recordSends = true;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  net.run(10_000);
  return net;
}

/** Updates `from` sent `to` in `sync` messages at or after `sinceMs`. */
function syncUpdates(net: TestNetwork, from: string, to: string, sinceMs: number): Update[] {
  return net.sent
    .filter((s) => s.from === from && s.to === to && s.atMs >= sinceMs)
    .flatMap((s) => {
      const r = decode(s.bytes);
      return r.ok && r.message.type === MessageType.sync ? [...r.message.updates] : [];
    });
}

describe('roster asks: the wanted extension', () => {
  it('round-trips up to 16 ids; a count of 0 or 17, a bad id, truncation or trailing bytes is malformed', () => {
    const ids = Array.from({ length: ROSTER_ASK_IDS_MAX }, (_, i) => `peer-${i}`);
    expect(readWanted(wantedExtension(ids).bytes)).toEqual(ids);
    // Well-formed but not canonical (decision 0052): the ask is refused, with its own reason.
    expect(readWanted(wantedExtension(['é']).bytes)).toBe('non-canonical-peer-id');
    const good = wantedExtension(['ab']).bytes;
    expect(readWanted(new Uint8Array([0]))).toBeUndefined();
    expect(readWanted(wantedExtension([...ids, 'x']).bytes)).toBeUndefined();
    expect(readWanted(new Uint8Array([1, 0]))).toBeUndefined();
    expect(readWanted(new Uint8Array([1, 65, ...new Uint8Array(65).fill(97)]))).toBeUndefined();
    expect(readWanted(new Uint8Array([1, 2, 0xff, 0xfe]))).toBeUndefined();
    expect(readWanted(good.subarray(0, good.length - 1))).toBeUndefined();
    expect(readWanted(new Uint8Array([...good, 0]))).toBeUndefined();
    expect(readWanted(new Uint8Array(0))).toBeUndefined();
  });
});

describe('roster asks: answering', () => {
  it('answers with the signed records held for the named ids only, once per requester per second', () => {
    const net = mesh(['a', 'b', 'c', 'd']);
    const t0 = net.nowMs;
    net.apply('a', net.get('a').receive('b', ask(['c', 'zz', 'b']), t0));
    const sent = syncUpdates(net, 'a', 'b', t0);
    expect(sent.map((u) => [u.kind, u.peer])).toEqual([[UpdateKind.alive, 'c']]);
    expect(sent[0]?.signature).toBeDefined();
    // Asked again at once: refused and counted, nothing sent.
    net.apply('a', net.get('a').receive('b', ask(['d']), t0 + 10));
    expect(syncUpdates(net, 'a', 'b', t0 + 10)).toEqual([]);
    expect(net.get('a').stats()).toMatchObject({ rosterAsksAnswered: 1, rosterAsksRejected: 1 });
    // A second later: answered.
    net.run(t0 + 1_000);
    const t1 = net.nowMs;
    net.apply('a', net.get('a').receive('b', ask(['d']), t1));
    expect(
      syncUpdates(net, 'a', 'b', t1).filter((u) => u.kind === UpdateKind.alive && u.peer === 'd'),
    ).toHaveLength(1);
  });

  it('a malformed wanted extension is counted and answered with nothing (not a full sync)', () => {
    const net = mesh(['a', 'b', 'c']);
    const t0 = net.nowMs;
    const before = net.get('a').stats();
    net.apply('a', net.get('a').receive('b', ask([], new Uint8Array([3, 1, 99])), t0));
    expect(net.sent.filter((s) => s.from === 'a' && s.atMs >= t0)).toEqual([]);
    expect(net.get('a').stats().rosterAsksRejected).toBe(before.rosterAsksRejected + 1);
    expect(net.get('a').stats().syncMessagesSent).toBe(before.syncMessagesSent);
  });
});

describe('roster asks: hostile requesters (session 18)', () => {
  it('an id named 16 times is answered once, each repeat counted', () => {
    const net = mesh(['a', 'b', 'c']);
    const t0 = net.nowMs;
    const before = net.get('a').stats();
    net.apply('a', net.get('a').receive('b', ask(Array.from({ length: 16 }, () => 'c')), t0));
    expect(syncUpdates(net, 'a', 'b', t0).map((u) => [u.kind, u.peer])).toEqual([[UpdateKind.alive, 'c']]);
    expect(net.get('a').stats().rosterAsksRejected).toBe(before.rosterAsksRejected + 15);
  });

  it('a flagged liar and a sender with no record here are answered with nothing, counted', () => {
    const net = mesh(['a', 'b', 'c']);
    // b relays forged `left`s of c (signed with c's key, bad signatures) until a flags it.
    const left: Update = { kind: UpdateKind.left, peer: 'c', incarnation: 0, from: undefined };
    const signed = signUpdate(testTrust('c'), left);
    const forged = { ...signed, signature: new Uint8Array(signed.signature ?? []).fill(7) };
    for (let k = 0; k < 5 && net.get('a').peer('b')?.liar !== true; k++) net.say('b', 'a', [forged]);
    expect(net.get('a').peer('b')?.liar, 'the premise: b is flagged').toBe(true);
    net.run(net.nowMs + 2_000);
    const t0 = net.nowMs;
    const before = net.get('a').stats();
    net.apply('a', net.get('a').receive('b', ask(['c']), t0));
    net.apply('a', net.get('a').receive('zz', ask(['c']), t0));
    expect(net.sent.filter((s) => s.from === 'a' && s.to !== 'c' && s.atMs >= t0)).toEqual([]);
    expect(net.get('a').stats().rosterAsksRejected).toBe(before.rosterAsksRejected + 2);
    expect(net.get('a').stats().rosterAsksAnswered).toBe(before.rosterAsksAnswered);
  });

  it('bare sync requests from senders with no record: once per 10 s each, 64 senders at most within it, the rest counted', () => {
    const net = mesh(['a', 'b', 'c']);
    const bare = encode({ type: MessageType.syncRequest, seq: 1, updates: [], extensions: [] });
    const served = (from: string, atMs: number): boolean => {
      const sent = net.sent.length;
      net.apply('a', net.get('a').receive(from, bare, atMs));
      return net.sent.slice(sent).some((s) => s.from === 'a' && s.to === from);
    };
    const t0 = net.nowMs;
    const before = net.get('a').stats().syncRequestsRefused;
    expect(served('u0', t0)).toBe(true);
    expect(served('u0', t0 + 50)).toBe(false);
    for (let i = 1; i < SYNC_UNKNOWN_SERVED_MAX; i++) expect(served(`u${i}`, t0 + 100), `u${i}`).toBe(true);
    expect(served('u-late', t0 + 200)).toBe(false);
    expect(net.get('a').stats().syncRequestsRefused).toBe(before + 2);
    // Past the gap each is served again, and room is made for new senders.
    expect(served('u0', t0 + 10_000)).toBe(true);
    expect(served('u-late', t0 + 10_100)).toBe(true);
  });
});

describe('roster asks: asking', () => {
  it('a roster member nobody knows is asked about at most 3 times by each peer, then never again', () => {
    const net = mesh(['a', 'b', 'c', 'd']);
    net.add('ghost', presets.browser); // on the roster, crashed before any link: no one holds it
    net.crashed.add('ghost');
    net.run(120_000);
    for (const id of ['a', 'b', 'c', 'd']) {
      const asks = net.sent.filter((s) => {
        if (s.from !== id) return false;
        const r = decode(s.bytes);
        return r.ok && r.message.type === MessageType.syncRequest && r.message.extensions.length > 0;
      });
      expect(asks.length, id).toBe(ROSTER_ASKS_PER_MEMBER);
      for (const s of asks) {
        const r = decode(s.bytes);
        const e = r.ok ? r.message.extensions[0] : undefined;
        expect(readWanted(e?.bytes ?? new Uint8Array(0))).toEqual(['ghost']);
      }
      expect(net.get(id).peer('ghost')).toBeUndefined();
    }
  });

  it("a joiner whose alive missed a peer is learned by asking: a link's answer, verified", () => {
    // a and b are linked; j joins linked to b only, and b's gossip of it to a is lost until a asks.
    const net = new TestNetwork(5, true);
    for (const id of ['a', 'b']) net.add(id, presets.browser);
    net.link('a', 'b');
    net.run(5_000);
    net.add('j', presets.browser);
    net.link('j', 'b');
    let askSeen = false;
    net.drop = (from, to, bytes) => {
      if (from !== 'b' || to !== 'a' || askSeen || bytes === undefined) return false;
      const r = decode(bytes);
      return r.ok && r.message.updates.some((u) => u.peer === 'j');
    };
    const a = net.get('a');
    const asked: string[] = [];
    const b = net.get('b');
    const bReceive = b.receive.bind(b);
    b.receive = (from, bytes, now) => {
      const r = decode(bytes);
      if (
        from === 'a' &&
        r.ok &&
        r.message.type === MessageType.syncRequest &&
        r.message.extensions.length > 0
      ) {
        askSeen = true;
        asked.push(...(readWanted(r.message.extensions[0]?.bytes ?? new Uint8Array(0)) ?? []));
      }
      return bReceive(from, bytes, now);
    };
    net.run(25_000);
    expect(asked).toContain('j');
    expect(a.peer('j')?.state).toBe('healthy');
  });

  it('a forged record in an answer is refused: the asker does not learn it, and its sender is scored', () => {
    const net = mesh(['a', 'x', 'c']);
    const forged = {
      ...signUpdate(testTrust('x'), { kind: UpdateKind.alive, peer: 'c', incarnation: 0, from: undefined }),
      peer: 'n9',
    };
    const before = net.get('a').stats().updatesRejected;
    net.apply(
      'a',
      net
        .get('a')
        .receive(
          'x',
          encode({ type: MessageType.sync, seq: 9, updates: [forged], extensions: [] }),
          net.nowMs,
        ),
    );
    expect(net.get('a').peer('n9')).toBeUndefined();
    expect(net.get('a').stats().updatesRejected).toBe(before + 1);
  });
});

describe('roster asks: a lying link (sparse signed mesh of 40, browser, the roster in use)', () => {
  // `x` answers every roster ask at once with 100 sybil `alive`s (fresh keys: valid signatures),
  // its own signed `failed` and `suspect` of a live honest peer, and a forgery. An honest `q` joins
  // linked to `x` only, so it asks `x` (the premise, every seed); `x` withholds the joiners from it
  // (its gossip of them to `q` is lost). Then three honest joiners arrive as in
  // `review-trust-s16-attacks.test.ts`. Seeds 1-5, 30 s on: every honest peer but `q` knows every
  // joiner; every honest peer, `q` too, still knows every honest member (the sybils, more than
  // `q`'s table holds, evicted none); no honest peer ever holds a live peer failed.
  it('answers with sybils and lies evict no honest member and fail nobody', () => {
    const found: Record<number, string[]> = {};
    const answered: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const sp = sparse(seed, presets.browser, ['x']);
      const net = sp.net;
      const x = net.get('x');
      const honestReceive = x.receive.bind(x);
      let k = 0;
      let answers = 0;
      x.receive = (from, bytes, nowMs) => {
        const r = decode(bytes);
        if (!r.ok || r.message.type !== MessageType.syncRequest || r.message.extensions.length === 0)
          return honestReceive(from, bytes, nowMs);
        answers += 1;
        const victim = sp.honest.find((h) => h !== from) as string;
        const incarnation = x.peer(victim)?.incarnation ?? 0;
        const lies = [UpdateKind.failed, UpdateKind.suspect].map((kind) =>
          signUpdate(testTrust('x'), { kind, peer: victim, incarnation, from: 'x' }),
        );
        const sybils = Array.from({ length: 100 }, () => {
          const id = `sy${seed}-${k++}`;
          return signUpdate(testTrust(id), {
            kind: UpdateKind.alive,
            peer: id,
            incarnation: 0,
            from: undefined,
          });
        });
        const forged = { ...sybils[0], peer: 'n1' } as Update;
        const sends = [];
        for (let i = 0; i < sybils.length; i += 6) {
          const updates = sybils.slice(i, i + 6);
          sends.push({
            to: from,
            bytes: encode({ type: MessageType.sync, seq: 0, updates, extensions: [] }),
          });
        }
        const last = [...lies, forged];
        sends.push({
          to: from,
          bytes: encode({ type: MessageType.sync, seq: 0, updates: last, extensions: [] }),
        });
        return { sends, events: [] };
      };
      const joiners = ['n1', 'n2', 'n3'];
      net.drop = (from, to, bytes) => {
        if (from !== 'x' || to !== 'q' || bytes === undefined) return false;
        const r = decode(bytes);
        return r.ok && r.message.updates.some((u) => joiners.includes(u.peer) && u.kind === UpdateKind.alive);
      };
      const t0 = net.nowMs;
      net.add('q', presets.browser);
      net.link('q', 'x');
      net.run(net.nowMs + 1_000);
      joiners.forEach((id, j) => {
        net.add(id, presets.browser);
        for (const h of sp.honest.slice(3 + 7 * j, 6 + 7 * j)) net.link(id, h);
        net.run(net.nowMs + 1_000);
      });
      net.run(net.nowMs + 30_000);
      answered.push(answers);
      const members = [...sp.honest, 'q'];
      const everyone = [...members, ...joiners];
      const bad = members.flatMap((o) => [
        ...(o === 'q' ? members : everyone)
          .filter((h) => h !== o && net.get(o).peer(h) === undefined)
          .map((h) => `${o} misses ${h}`),
        ...everyone
          .filter((h) => h !== o && net.firstTransitionMs(o, h, 'failed', t0) !== undefined)
          .map((h) => `${o} failed ${h}`),
      ]);
      if (bad.length > 0) found[seed] = bad.slice(0, 4);
      // The premise: the sybils filled q's table.
      expect(net.get('q').stats().members, `seed ${seed}`).toBe(presets.browser.membersMax);
    }
    expect(found).toEqual({});
    expect(
      answered.every((n) => n > 0),
      `asks x answered, by seed: ${answered.join(' ')}`,
    ).toBe(true);
  });
});
