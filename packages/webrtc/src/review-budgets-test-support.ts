// The sans-IO room of the budget reviews (`review-s20-budgets.test.ts`, `review-s21b-budgets.
// test.ts`): real core `Detector`s on a virtual clock, each peer's inbound behind its own
// `PingBudget` exactly as `DetectorHost` puts it (`throughPingBudget`: admit, then receive), the
// browser preset (createMesh and attach default), 1 ms links. Mallory's ids are members linked to
// some peers that run no detector: what those peers send them is counted, what they send is
// injected. No WebRTC, no wall clock, no random seed beyond the detectors' fixed ones.
import {
  decode,
  Detector,
  encode,
  MessageType,
  presets,
  seededRandom,
  type Message,
  type PeerId,
  type StepResult,
} from '@pulsemesh/core';
import { PingBudget, pingBudgetFor } from './ping-budget.js';

export const config = presets.browser;
const LATENCY_MS = 1;

/**
 * The most answers 2 s of one member's pings can get past the ping budget: its burst, 2 s of
 * refill, and one token more (a refill that lands between two messages). A flood of any other
 * message is held to the same bar.
 */
export const PING_BUDGET_2S = ((b) => b.burstPings + 2 * b.pingsPerSecond + 1)(pingBudgetFor(config));

/** A message on its way (kept in arrival order; equal times in send order). */
type InFlight = { atMs: number; from: PeerId; to: PeerId; bytes: Uint8Array };

/**
 * Honest detectors linked to each other, each behind its ping budget, plus Mallory's ids
 * (`malloryIds`, default one, `mallory`), each linked to the peers named in `malloryLinks`.
 */
export class Room {
  nowMs = 0;
  readonly detectors = new Map<PeerId, Detector>();
  readonly budgets = new Map<PeerId, PingBudget>();
  /** Status changes other than to `healthy`, as `viewer:peer:to`. */
  readonly verdicts: string[] = [];
  /** Messages the honest peers sent Mallory's ids, by type byte. */
  readonly toMallory = new Map<number, number>();
  /** Every message an honest peer sends (to anyone), as it is sent. */
  onSend: ((from: PeerId, to: PeerId, bytes: Uint8Array) => void) | undefined;
  /** Mallory's ids answer every ping with an ack (so their peers keep them healthy). */
  malloryAnswers = false;
  readonly #mallory: Set<PeerId>;
  #links = new Set<string>();
  #inFlight: InFlight[] = [];

  constructor(ids: PeerId[], malloryLinks: PeerId[], malloryIds: PeerId[] = ['mallory']) {
    this.#mallory = new Set(malloryIds);
    ids.forEach((id) => this.#add(id));
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) this.link(ids[i]!, ids[j]!);
    for (const m of malloryIds)
      for (const id of malloryLinks) this.#apply(id, this.detectors.get(id)!.linkUp(m, 0));
  }

  /** {@link verdicts} about anyone but Mallory's ids (whom nobody hears from). */
  get verdictsAboutOthers(): string[] {
    return this.verdicts.filter((v) => !this.#mallory.has(v.split(':')[1]!));
  }

  /** A new honest peer `id` with a detector (linked to nobody yet: {@link link}). */
  #add(id: PeerId): void {
    const i = this.detectors.size;
    this.detectors.set(id, new Detector({ id, config, random: seededRandom(20_000 + i), nowMs: this.nowMs }));
    this.budgets.set(id, new PingBudget(pingBudgetFor(config)));
  }

  /** A peer `id` joins now, linked to `to` only. */
  join(id: PeerId, to: PeerId[]): void {
    this.#add(id);
    for (const peer of to) this.link(id, peer);
  }

  /** Links two honest peers now. */
  link(a: PeerId, b: PeerId): void {
    this.#links.add(`${a}\0${b}`).add(`${b}\0${a}`);
    this.#apply(a, this.detectors.get(a)!.linkUp(b, this.nowMs));
    this.#apply(b, this.detectors.get(b)!.linkUp(a, this.nowMs));
  }

  #apply(from: PeerId, r: StepResult): void {
    for (const e of r.events)
      if (e.type === 'status-change' && e.detail.to !== 'healthy')
        this.verdicts.push(`${from}:${e.detail.peer}:${e.detail.to}`);
    for (const s of r.sends) {
      this.onSend?.(from, s.to, s.bytes);
      if (this.#mallory.has(s.to)) {
        this.toMallory.set(s.bytes[1]!, (this.toMallory.get(s.bytes[1]!) ?? 0) + 1);
        if (this.malloryAnswers && s.bytes[1] === MessageType.ping) this.#answer(s.to, from, s.bytes);
        continue;
      }
      if (!this.#links.has(`${from}\0${s.to}`)) continue;
      this.#push({ atMs: this.nowMs + LATENCY_MS, from, to: s.to, bytes: s.bytes.slice() });
    }
  }

  /** Mallory's id `by` acks `ping` from `to`, 1 ms later. */
  #answer(by: PeerId, to: PeerId, ping: Uint8Array): void {
    const d = decode(ping);
    if (!d.ok) return;
    const ack = encode({
      type: MessageType.ack,
      seq: 0,
      ackSeq: d.message.seq,
      relayed: false,
      vitals: undefined,
      updates: [],
      extensions: [],
    } as Message).slice();
    this.#push({ atMs: this.nowMs + LATENCY_MS, from: by, to, bytes: ack });
  }

  #push(m: InFlight): void {
    let i = this.#inFlight.length;
    while (i > 0 && this.#inFlight[i - 1]!.atMs > m.atMs) i--;
    this.#inFlight.splice(i, 0, m);
  }

  /** A message from Mallory's id `from` to `to`, arriving now (through `to`'s ping budget). */
  fromMallory(to: PeerId, bytes: Uint8Array, from: PeerId = 'mallory'): void {
    this.#deliver({ atMs: this.nowMs, from, to, bytes });
  }

  #deliver(m: InFlight): void {
    if (!this.budgets.get(m.to)!.admit(m.from, m.bytes, this.nowMs)) return;
    this.#apply(m.to, this.detectors.get(m.to)!.receive(m.from, m.bytes, this.nowMs));
  }

  /** Runs messages and timers up to `untilMs`, and `each()` every `everyMs` (Mallory's turn). */
  run(untilMs: number, everyMs?: number, each?: () => void): void {
    let nextEachMs = everyMs === undefined ? Infinity : this.nowMs;
    for (;;) {
      let timerId: PeerId | undefined;
      let timerMs = Infinity;
      for (const [id, d] of this.detectors)
        if (d.nextDeadlineMs() < timerMs) [timerId, timerMs] = [id, d.nextDeadlineMs()];
      const msgMs = this.#inFlight[0]?.atMs ?? Infinity;
      const next = Math.min(msgMs, timerMs, nextEachMs);
      if (next > untilMs) break;
      this.nowMs = Math.max(this.nowMs, next);
      if (next === nextEachMs) {
        nextEachMs += everyMs!;
        each?.();
      } else if (msgMs <= timerMs) this.#deliver(this.#inFlight.shift()!);
      else this.#apply(timerId!, this.detectors.get(timerId!)!.tick(this.nowMs));
    }
    this.nowMs = untilMs;
  }
}

let seq = 0;
/** An encoded ping-req about `target`. */
export const pingReq = (target: PeerId): Uint8Array =>
  encode({
    type: MessageType.pingReq,
    seq: seq++ & 0xffff,
    target,
    updates: [],
    extensions: [],
  } as Message).slice();
/** An encoded ping. */
export const ping = (): Uint8Array =>
  encode({ type: MessageType.ping, seq: seq++ & 0xffff, updates: [], extensions: [] } as Message).slice();

/**
 * victim and honest, linked; after 1 s of calm Mallory (linked to victim) sends victim `message()`
 * every 0.1 ms for 2 s (20,001 messages). Returns the room, how many she sent, and how many
 * messages of type `answer` victim sent her meanwhile. `malloryAnswers`: see {@link Room}.
 */
export function floodVictim(
  message: () => Uint8Array,
  answer: MessageType,
  malloryAnswers = false,
): { room: Room; sent: number; answers: number } {
  const room = new Room(['victim', 'honest'], ['victim']);
  room.malloryAnswers = malloryAnswers;
  room.run(1_000);
  const before = room.toMallory.get(answer) ?? 0;
  let sent = 0;
  room.run(3_000, 0.1, () => {
    sent += 1;
    room.fromMallory('victim', message());
  });
  return { room, sent, answers: (room.toMallory.get(answer) ?? 0) - before };
}
