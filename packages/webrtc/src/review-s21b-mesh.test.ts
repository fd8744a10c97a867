// Session-21 second review of decision 0056's stranger budget, at the gate: the real
// `SessionGate` (`session-gate.ts`: `sessionBudget`, the accept capacity, the shared
// `StrangerBudget`) and `PeerSlots`, default options for `maxConnections` 32, driven the way
// `ConnectionManager.handleSignal` drives it (an offer in a new session: `sessionAllowed`, then
// `roomFor`; a built link marks `everBuilt` and, when charged, `strangerLinkAtMs`; its opening
// gives the token back; a close records `established`). Links are stand-ins that open when the
// test says (a LAN handshake ~0.3 s, a loaded machine ~1 s, a TURN relay 1-5 s); the clock is
// virtual (`performance.now` mocked). No WebRTC, no randomness: every run is the same.
// A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: pnpm exec vitest run packages/webrtc/src/review-s21b-mesh.test.ts
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConnectionOptions } from './connection-options.js';
import type { Link } from './link.js';
import type { LinkSignal } from './link-signal.js';
import { PeerSlots, type PeerSlot } from './peer-slots.js';
import { SessionGate, type GateCounters } from './session-gate.js';
import { isEstablished } from './stranger-budget.js';

let clockMs = 0;
beforeEach(() => {
  clockMs = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clockMs);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A stand-in link: connecting until `open` sets `openedAtMs` (all the gate and budget read). */
type FakeLink = { openedAtMs: number | undefined };

/** One victim peer's gate, fed offers as `ConnectionManager.handleSignal` feeds it. */
class Victim {
  readonly options = resolveConnectionOptions({
    localId: 'victim',
    sendSignal: () => undefined,
    handlers: {},
  });
  readonly slots = new PeerSlots(this.options.knownPeersMax);
  readonly counters: GateCounters = {
    busySent: 0,
    sessionsRefused: 0,
    strangerSessionsRefused: 0,
    unheardLinksDisplaced: 0,
    strangerLinksBuilt: 0,
  };
  /** `busy` signals sent, by peer. */
  readonly busy = new Map<string, number>();
  readonly displaced: string[] = [];
  readonly gate = new SessionGate(this.options, this.counters, this.slots, {
    send: (to: string, signal: LinkSignal) => {
      if (signal.t === 'busy') this.busy.set(to, (this.busy.get(to) ?? 0) + 1);
    },
    error: () => undefined,
    trace: () => undefined,
    close: (slot: PeerSlot) => {
      this.displaced.push(slot.id);
      this.close(slot);
    },
  });
  #session = 0;
  #builtAtMs = new Map<string, number>();

  /** `from`'s offer in a new session: whether a link was built (as `handleSignal` decides). */
  offer(from: string): boolean {
    const slot = this.slots.getOrAdd(from)!;
    const session = `s${this.#session++}`;
    if (!this.gate.sessionAllowed(slot, session)) return false;
    const charged = this.gate.roomFor(slot, session);
    if (charged === undefined) return false;
    this.close(slot); // 'replaced by a new session'
    slot.link = { openedAtMs: undefined } as FakeLink as unknown as Link;
    [slot.everBuilt, slot.tried, slot.session] = [true, true, session];
    slot.strangerLinkAtMs = charged ? clockMs : NaN;
    this.#builtAtMs.set(from, clockMs);
    return true;
  }

  /** Links not open `connectTimeoutMs` after they were built close ('connect timeout'). */
  expire(): void {
    for (const slot of this.slots.values())
      if (slot.link && !this.isOpen(slot.id))
        if (clockMs - this.#builtAtMs.get(slot.id)! >= this.options.connectTimeoutMs) this.close(slot);
  }

  /** `from`'s link opened now (its link proof passed). */
  open(from: string): void {
    const slot = this.slots.get(from)!;
    (slot.link as unknown as FakeLink).openedAtMs = clockMs;
    this.gate.opened(slot);
  }

  /** `slot`'s link closed (as `#closeSlotLink` / `#onLinkClosed`). */
  close(slot: PeerSlot): void {
    if (!slot.link) return;
    slot.established = isEstablished(slot, clockMs, this.options.stableLinkMs);
    [slot.link, slot.strangerLinkAtMs, slot.session] = [undefined, NaN, undefined];
  }

  linked(id: string): boolean {
    return this.slots.get(id)?.link !== undefined;
  }

  isOpen(id: string): boolean {
    return (this.slots.get(id)?.link as unknown as FakeLink | undefined)?.openedAtMs !== undefined;
  }
}

describe('the stranger budget (decision 0056) at the gate', () => {
  // HOLE (an established id's unanswered offers hold the accept capacity for good, and cannot be
  // displaced): `established` is sticky (`PeerSlot.established`, set when a link that held
  // `stableLinkMs` closes, never cleared), an established member is charged its own `sessionBudget`
  // only, and its links are never charged (`strangerLinkAtMs` NaN), so `oldestUnheard` never picks
  // them. Mallory links 40 ids to victim once for real (each link's token comes back when it opens;
  // 16 at a time fit), holds them 10 s, drops them, and from then on sends one unanswered offer per
  // id every ~15 s (4 a minute, under its 10): victim builds all 40 (acceptConnectionsMax), its own
  // reconcile dials nobody (used 40 >= maxConnections 32), and a newcomer's offer (a first contact)
  // finds nothing to displace: `busy`, retry in 15-30 s, and again, for as long as Mallory
  // re-offers. Measured: Mallory holds 40 links, carol's 5 offers (20 s to 80 s, 15 s apart) each
  // answered `busy`, never built, 0 displaced. Cost to Mallory: 40 real links for 10 s once, then
  // ~3 KB of signaling a second. Decision 0056 says the attack "costs Mallory a real WebRTC link
  // per id": it costs one once. Fix: treat a link of an established member that is still connecting
  // after `unheardAfterMs` like a stranger's (displaceable by a first contact), or let
  // `established` lapse when its member's last link ended longer than `stableLinkMs` ago without a
  // new one opening (an honest member's re-link opens in about a second).
  // CLOSED (decision 0064): a link that closes without ever opening ends its member's standing
  // (`isEstablished` is false while its link connects, and that is what a close records). Each id's
  // first unanswered re-offer (11 s) is still built uncharged and holds its place until
  // `connectTimeoutMs`; the re-offers at 26 s are strangers', charged: 16 built, 24 refused.
  // Measured: carol's offer at 20 s `busy` (capacity full), at 35 s built (0 displaced); Mallory
  // holds 4 links at 80 s (before: 40).
  it('40 ids established once, then re-offering unanswered every 15 s, do not keep a newcomer out for a minute', () => {
    const v = new Victim();
    const mallory = Array.from({ length: 40 }, (_, i) => `amallory${i}`);
    // Phase 1: real links, opened at once (tokens back), held stableLinkMs, then dropped.
    for (const id of mallory) {
      expect(v.offer(id)).toBe(true);
      v.open(id);
    }
    clockMs = 10_000;
    for (const id of mallory) v.close(v.slots.get(id)!);
    expect(mallory.every((id) => v.slots.get(id)!.established)).toBe(true);
    // Phase 2: every 15 s each id offers again, never answered (connectTimeoutMs 15 s ends it).
    let [carolBuilt, carolBuiltAtMs] = [false, NaN];
    let nextCarolMs = 20_000;
    for (let t = 11_000; t <= 80_000; t += 100) {
      clockMs = t;
      v.expire();
      if ((t - 11_000) % 15_000 === 0) for (const id of mallory) v.offer(id);
      if (t === nextCarolMs) {
        if (!carolBuilt && v.offer('carol')) [carolBuilt, carolBuiltAtMs] = [true, t];
        nextCarolMs += 15_000; // her retry after `busy` (busyRetryMs x [0.5, 1), shortest)
      }
    }
    const built = mallory.filter((id) => v.linked(id)).length;
    console.log(
      `established flood: Mallory holds ${built} links, carol built ${carolBuilt} at ${carolBuiltAtMs} ms, ` +
        `busy to carol ${v.busy.get('carol') ?? 0}, displaced ${v.counters.unheardLinksDisplaced}`,
    );
    expect(carolBuilt).toBe(true);
  });

  /** The flood below against carol's link that opens `openMs` after it was built. */
  function turnNewcomer(openMs: number) {
    clockMs = 0;
    const v = new Victim();
    const startMs = clockMs;
    expect(v.offer('carol')).toBe(true);
    clockMs = startMs + 10;
    for (let i = 0; i < 15; i++) expect(v.offer(`amallory${i}`)).toBe(true);
    clockMs = startMs + 500;
    const built500 = v.offer('amallory15');
    const displacedAt500 = v.displaced.includes('carol');
    // Her first link would open at openMs; displaced, she hears `bye` and retries ~1 s later.
    let [retryMs, opensMs, refusals, openedAtMs] = [Infinity, startMs + openMs, 0, NaN];
    for (let t = startMs + 550; t <= startMs + 60_000; t += 50) {
      clockMs = t;
      v.expire();
      if (t % 100 === 0) v.offer(`amallory${(t / 100) % 60}`);
      if (v.linked('carol') && t >= opensMs && !v.isOpen('carol')) {
        v.open('carol');
        openedAtMs = t - startMs;
      }
      if (opensMs !== Infinity && !v.linked('carol')) [opensMs, retryMs] = [Infinity, t + 1_000];
      if (t !== retryMs) continue;
      if (v.offer('carol')) opensMs = t + openMs;
      else {
        refusals += 1;
        retryMs = t + 15_000; // busy: busyRetryMs x [0.5, 1), the shortest
      }
    }
    const carolDisplaced = v.displaced.filter((id) => id === 'carol').length;
    return { built500, displacedAt500, opened: v.isOpen('carol'), openedAtMs, refusals, carolDisplaced };
  }

  // HOLE (Mallory cuts an honest newcomer's link that is still connecting, then keeps it out):
  // carol's first offer is built at 0 and would open at 2,000 ms (a TURN relay; 1-5 s is ordinary).
  // Mallory, seeing carol join the room, sends 15 offers from fresh ids at once (never answered:
  // the free tokens but carol's), then one more fresh id at 500 ms: a first contact, it displaces
  // the oldest unheard link older than `unheardAfterMs`, carol's. carol is no first contact any
  // more (`everBuilt`), so her retry needs a free token (>= 3 in the bucket) and the bucket holds
  // ~1; Mallory keeps it under 3 by offering every 100 ms, in turn from 60 of her ids (each once
  // every 6 s: its `sessionBudget` refill, 10 a minute): the token the refill frees (one each 3.3
  // s) is hers within 100 ms. Measured: carol displaced at 500 ms, her 4 retries in the next 60 s
  // refused (busy each), never linked. Fix: a displaced link keeps its first-contact standing (set
  // `everBuilt` only when a link opened, not when it was built), and never displace a link younger
  // than a TURN handshake (`unheardAfterMs` >= ~5 s, or by the link's own ICE progress: one with a
  // candidate pair checking is not unheard).
  // CLOSED (decision 0064): a link built at ease (at most 2 other strangers' links charged) is
  // unheard only after 5 s (a TURN handshake's slow end), one built in a burst after 500 ms as
  // before. carol's offer came before the flood: 5 s; the flood's first 2 links are at ease too,
  // its last 13 in the burst. A chance learnt from this peer's own setups (twice the
  // slowest, 5 s before any) was tried first: it refused session 20's newcomer
  // (`review-s20-mesh.test.ts`: a 1 s setup seen at load 16, a 2 s chance, the flood 0.9 s old)
  // and left 1 of 29 out of `review-s21b-coldstart.test.ts`. Measured: see the log line `TURN
  // newcomer` (amallory15 refused at 500 ms: the burst's links were 490 ms old; carol not
  // displaced, open at 2,000 ms; 4 s and 6 s links the same here, but past 5 s nothing protects
  // a link: one in a later flood may be displaced).
  it('an honest newcomer on a 2 s TURN link is linked within 60 s of a 16-id flood', () => {
    const r = turnNewcomer(2_000);
    const slow = [4_000, 6_000].map((openMs) => turnNewcomer(openMs));
    console.log(`TURN newcomer: 2 s ${JSON.stringify(r)}; 4 s, 6 s: ${JSON.stringify(slow)}`);
    expect(r.displacedAt500).toBe(false);
    expect(r.opened).toBe(true);
    expect(r.refusals).toBe(0);
  });

  // Decision 0056's cold-start consequence, quantified: `n` honest peers joining at once, victim's
  // id sorting last (the n - 1 others dial it: strangers' offers). Offers arrive evenly over
  // `spreadMs`; a link opens `openMs` after it was built unless displaced first. A displaced
  // peer hears `bye` and retries after its first backoff (~750 ms). A refused one gets `busy`
  // (retry in 15-30 s), but victim, a non-initiator that learned of it when it joined, asks it
  // to dial once `dialRequestGraceMs` (1.5 s) passed with no link (`#request`): one more offer
  // then; refused again, it waits for `busy`'s retry, past the horizon.
  function coldStart(n: number, spreadMs: number, openMs: number, horizonMs = 5_000) {
    const v = new Victim();
    const peers = Array.from({ length: n - 1 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const joinedAt = new Map(
      peers.map((p, i) => [p, 10 * Math.round((i * spreadMs) / (n - 1) / 10)] as const),
    );
    const next = new Map(joinedAt);
    const opensAt = new Map<string, number>();
    let [refused, allAtMs] = [0, Infinity];
    for (let t = 0; t <= horizonMs; t += 10) {
      clockMs = t;
      v.expire();
      for (const p of peers) {
        if (opensAt.has(p) && !v.linked(p)) {
          opensAt.delete(p); // displaced: `bye`, then its first backoff
          next.set(p, t + 750);
        }
        if ((opensAt.get(p) ?? Infinity) <= t && !v.isOpen(p)) v.open(p);
        const asked = joinedAt.get(p)! + v.options.dialRequestGraceMs;
        if (t === asked && !v.slots.get(p)?.everBuilt) next.set(p, t); // victim's dial request
        if ((next.get(p) ?? Infinity) > t) continue;
        next.delete(p);
        if (v.offer(p)) opensAt.set(p, t + openMs);
        else {
          refused += 1;
          next.set(p, t + 15_000);
        }
      }
      if (allAtMs === Infinity && peers.every((p) => v.isOpen(p))) allAtMs = t;
    }
    const linked = peers.filter((p) => v.isOpen(p)).length;
    return { linked, waiting: peers.length - linked, displaced: v.displaced.length, refused, allAtMs };
  }

  it('an honest cold start of 17 (16 strangers) within 1 s: every link built, none displaced', () => {
    for (const openMs of [300, 1_000]) {
      const r = coldStart(17, 1_000, openMs);
      console.log(`cold start 17, open ${openMs} ms: ${JSON.stringify(r)}`);
      expect(r).toMatchObject({ linked: 16, waiting: 0, displaced: 0, refused: 0 });
    }
  });

  // Held, with a cost: 29 strangers offering victim within 1 s. LAN links (open in 0.3 s) give
  // their tokens back in time: nothing refused. Links that take 1 s (a loaded 2-core machine,
  // decision 0056's own measurement, or TURN) do not: the 17th offer finds 2 tokens and, a first
  // contact, displaces the oldest honest link still connecting (older than 500 ms), the 18th
  // another, and the next 11 are refused (`busy`: 15-30 s). What saves them is victim's own dial
  // request 1.5 s after each joined (`#request`: victim is their non-initiator), by which time
  // the first links opened and gave their tokens back. Measured: see the log line `cold start 30`
  // (11 refused and 2 displaced handshakes, all 29 open by ~3 s). Decision 0056's "they retry
  // after busyRetryMs (15-30 s)" is too pessimistic when victim knows them from the roster; a peer
  // that learns of them only from their offers (not in its roster yet) would wait the 15-30 s.
  it('an honest cold start of 30 within 1 s, links opening in 0.3 or 1 s: every peer linked within 5 s', () => {
    const lan = coldStart(30, 1_000, 300);
    const loaded = coldStart(30, 1_000, 1_000);
    const burst = coldStart(30, 200, 1_000);
    console.log(
      `cold start 30 within 1 s: LAN 0.3 s ${JSON.stringify(lan)}; 1 s ${JSON.stringify(loaded)}; ` +
        `within 0.2 s, 1 s: ${JSON.stringify(burst)}`,
    );
    for (const r of [lan, loaded, burst]) expect(r.waiting).toBe(0);
    expect(loaded.refused).toBeGreaterThan(0); // the cost: handshakes refused, retried by the dial request
  });
});
