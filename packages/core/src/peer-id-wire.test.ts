// Non-canonical peer ids from the wire (decision 0052; found in session 19's review): every id a
// room member can put in a message (a gossiped record's subject, an accusation's signer, a sync
// answer, a signed statement, a ping-req's target, a roster ask's ids) is checked once, at
// decode, against the canonical form (`isCanonicalPeerId`). A look-alike never becomes a member,
// an event or a verdict; it is counted (`peerIdsRefused`, `decode-error` with its reason) and the
// rest of the message stands.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, MessageType, UpdateKind, type Message, type Update } from './codec.js';
import { defaultConfig } from './config.js';
import { Detector } from './detector.js';
import { isCanonicalIdBytes, isCanonicalPeerId } from './peer-id.js';
import { seededRandom } from './random.js';
import { wantedExtension } from './roster-asks.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import type { DetectorEvent } from './types.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31)); // eslint-disable-line no-restricted-properties
const reproduce = `SEED=${seed} node_modules/.bin/vitest run packages/core/src/peer-id-wire.test.ts`;

/** Ids that read as 'honest' or pass for an id, none canonical; each fits the wire (1..64 bytes). */
const LOOKALIKES = {
  cyrillic: '\u04bbonest', // Cyrillic һ
  zeroWidth: 'hon\u200best',
  bidiOverride: '\u202etsenoh', // reads "honest"
  upperCase: 'Honest',
  fullWidth: '\uff48onest',
  space: 'hon est',
} as const;

const alive = (peer: string, incarnation = 0): Update => ({
  kind: UpdateKind.alive,
  peer,
  incarnation,
  from: undefined,
});
const accuse = (kind: UpdateKind, peer: string, from: string): Update => ({
  kind,
  peer,
  incarnation: 0,
  from,
});

/** A viewer linked to 'honest' and 'mallory'; `say` delivers one message from mallory. */
function viewer(trust = false) {
  const d = new Detector({
    id: 'viewer',
    config: defaultConfig('browser'),
    random: seededRandom(seed),
    nowMs: 0,
    ...(trust ? { trust: testTrust('viewer') } : {}),
  });
  d.linkUp('honest', 0);
  d.linkUp('mallory', 0);
  const events: DetectorEvent[] = [];
  let seq = 0;
  const say = (m: Partial<Message> & Pick<Message, 'type'>, atMs = 1) =>
    sayBytes(encode({ seq: seq++, updates: [], extensions: [], ...m } as Message).slice(), atMs);
  const sayBytes = (bytes: Uint8Array, atMs = 1) => {
    const r = d.receive('mallory', bytes, atMs);
    events.push(...r.events);
    return r;
  };
  return { d, say, sayBytes, events };
}

/** The ids the viewer holds, and events naming any id outside `canonical`. */
function noLookalikes(d: Detector, events: readonly DetectorEvent[]): void {
  expect(d.peers().map((p) => p.id)).toEqual(expect.arrayContaining(['honest', 'mallory']));
  expect(d.peers().filter((p) => !isCanonicalPeerId(p.id))).toEqual([]);
  const named = events.flatMap((e) => {
    const peer = (e.detail as { peer?: string }).peer;
    return peer === undefined || isCanonicalPeerId(peer) ? [] : [e.type];
  });
  expect(named).toEqual([]);
}

describe('isCanonicalIdBytes', () => {
  it(`agrees with isCanonicalPeerId on every string (seed ${seed})`, () => {
    const ids = fc.oneof(
      fc.string({ maxLength: 70, unit: 'grapheme' }),
      fc.string({ maxLength: 70, unit: fc.constantFrom(...'az09._-Z \u200b\u04bb'.split('')) }),
      fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,70}$/),
    );
    const out = fc.check(
      fc.property(ids, (id) => {
        const b = new TextEncoder().encode(`#${id}#`);
        expect(isCanonicalIdBytes(b, 1, b.length - 1)).toBe(isCanonicalPeerId(id));
      }),
      { seed, numRuns: 2_000 },
    );
    if (out.failed) throw new Error(`${fc.defaultReportMessage(out)}\nreproduce: ${reproduce}`);
  });
});

describe('decode refuses non-canonical ids', () => {
  it.each(Object.entries(LOOKALIKES))('%s: the update is dropped and counted, the rest stands', (_, id) => {
    const key = new Uint8Array(32).fill(1);
    const signature = new Uint8Array(64).fill(2);
    const updates: Update[] = [
      alive(id),
      { ...accuse(UpdateKind.failed, 'honest', id), key, signature }, // a signed accusation, look-alike signer
      accuse(UpdateKind.suspect, id, 'mallory'),
      alive('carol', 3),
    ];
    const r = decode(encode({ type: MessageType.sync, seq: 1, updates, extensions: [] }));
    expect(r).toEqual({
      ok: true,
      idsRefused: 3,
      message: { type: MessageType.sync, seq: 1, updates: [alive('carol', 3)], extensions: [] },
    });
  });

  it.each(Object.entries(LOOKALIKES))('%s as a ping-req target fails the message', (_, id) => {
    const r = decode(encode({ type: MessageType.pingReq, seq: 1, target: id, updates: [], extensions: [] }));
    expect(r).toEqual({ ok: false, error: { code: 'non-canonical-peer-id' } });
  });

  it('an empty or too long id, or bad UTF-8, is malformed: the whole message fails (bad-peer-id)', () => {
    // version, ping, flags=updates, seq, count 1, kind alive, incarnation 0, then the id.
    const head = [1, MessageType.ping, 1, 0, 0, 1, UpdateKind.alive, 0];
    const tooLong = [65, ...new Uint8Array(65).fill(0x61)];
    for (const id of [[0], tooLong, [2, 0xc0, 0x80], [1, 0xff]])
      expect(decode(Uint8Array.from([...head, ...id]))).toEqual({
        ok: false,
        error: { code: 'bad-peer-id' },
      });
  });
});

describe('a detector takes no look-alike from a room member', () => {
  it.each(Object.entries(LOOKALIKES))('%s in gossip: no member, no event, counted', (_, id) => {
    const { d, say, events } = viewer();
    say({ type: MessageType.ping, updates: [alive(id), alive('carol')] });
    noLookalikes(d, events);
    expect(d.peers().some((p) => p.id === 'carol')).toBe(true); // the rest of the message stands
    expect(d.stats()).toMatchObject({ peerIdsRefused: 1, decodeErrors: 0 });
    expect(events.filter((e) => e.type === 'decode-error').map((e) => e.detail)).toEqual([
      { peer: 'mallory', error: 'non-canonical-peer-id', atMs: 1, count: 1 },
    ]);
  });

  it.each(Object.entries(LOOKALIKES))('%s accusing honest: no verdict about honest', (_, id) => {
    const { d, say, events } = viewer();
    say({
      type: MessageType.sync,
      updates: [accuse(UpdateKind.suspect, 'honest', id), accuse(UpdateKind.failed, 'honest', id)],
    });
    // A suspicion would start at once and a verdict be taken or checked: neither happens.
    expect(d.peers().find((p) => p.id === 'honest')?.state).toBe('healthy');
    expect(events.filter((e) => e.type !== 'decode-error')).toEqual([]);
    expect(d.stats()).toMatchObject({ peerIdsRefused: 2, suspicionsRaised: 0, checksSent: 0 });
    noLookalikes(d, events);
  });

  it.each(Object.entries(LOOKALIKES))(
    '%s signing for itself (trust): never verified, never a member',
    (_, id) => {
      const { d, say, events } = viewer(true);
      // Signed with the look-alike's own (test) key: before decision 0052 this verified and joined.
      const own = signUpdate(testTrust(id), alive(id, 1));
      const accusation = signUpdate(testTrust(id), accuse(UpdateKind.failed, 'honest', id));
      say({ type: MessageType.sync, updates: [own, accusation] });
      noLookalikes(d, events);
      expect(d.peers().find((p) => p.id === 'honest')?.state).toBe('healthy');
      expect(d.stats()).toMatchObject({ peerIdsRefused: 2, signaturesVerified: 0, signaturesRejected: 0 });
      expect(d.stats().liarsFlagged).toBe(0);
    },
  );

  it.each(Object.entries(LOOKALIKES))('%s as a ping-req target: nothing relayed, a decode error', (_, id) => {
    const { d, say, events } = viewer();
    const r = say({ type: MessageType.pingReq, target: id });
    expect(r.sends).toEqual([]);
    expect(d.stats()).toMatchObject({ peerIdsRefused: 1, decodeErrors: 1 });
    expect(events.map((e) => e.detail)).toEqual([
      { peer: 'mallory', error: 'non-canonical-peer-id', atMs: 1, count: 1 },
    ]);
    noLookalikes(d, events);
  });

  it.each(Object.entries(LOOKALIKES))('%s in a roster ask: refused, nothing answered', (_, id) => {
    const { d, say, events } = viewer();
    const r = say({ type: MessageType.syncRequest, extensions: [wantedExtension(['honest', id])] });
    expect(r.sends).toEqual([]);
    expect(d.stats()).toMatchObject({ peerIdsRefused: 1, rosterAsksRejected: 1, rosterAsksAnswered: 0 });
    noLookalikes(d, events);
    // Control: the same ask naming canonical ids only is answered.
    const ok = say({ type: MessageType.syncRequest, extensions: [wantedExtension(['honest'])] }, 2_000);
    expect(ok.sends.map((s) => decode(s.bytes).ok && s.to)).toEqual(['mallory']);
    expect(d.stats().rosterAsksAnswered).toBe(1);
  });

  it('an empty or too long id in gossip: the message is a decode error, nothing is taken from it', () => {
    const { d, sayBytes, events } = viewer();
    const head = [1, MessageType.ping, 1, 0, 0, 2, UpdateKind.alive, 0, 1, 0x63]; // alive 'c', then:
    sayBytes(Uint8Array.from([...head, UpdateKind.alive, 0, 0]));
    sayBytes(Uint8Array.from([...head, UpdateKind.alive, 0, 65, ...new Uint8Array(65).fill(0x61)]), 2_000);
    expect(d.peers().map((p) => p.id)).toEqual(expect.arrayContaining(['honest', 'mallory']));
    expect(d.peers()).toHaveLength(2); // not even 'c', which came in the same messages
    expect(d.stats()).toMatchObject({ decodeErrors: 2, peerIdsRefused: 0 });
    expect(events.map((e) => (e.detail as { error?: string }).error)).toEqual(['bad-peer-id', 'bad-peer-id']);
  });

  it('a flood of look-alikes: counted each, reported once per gap', () => {
    const { d, say, events } = viewer();
    const ids = Array.from({ length: 200 }, (_, i) => `\u04bb${i}`);
    for (let i = 0; i < 20; i++)
      say({ type: MessageType.ping, updates: ids.slice(i * 10, i * 10 + 10).map((id) => alive(id)) }, 1 + i);
    expect(d.stats().peerIdsRefused).toBe(200);
    expect(events.filter((e) => e.type === 'decode-error')).toHaveLength(1);
    expect(d.peers()).toHaveLength(2);
  });
});
