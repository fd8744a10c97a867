/**
 * "Just measured": timings of faults as the tabs of this browser saw them. Each tab announces its
 * own faults (crash, freeze, leave, close) and what it observes (a peer turning `suspected`,
 * `failed`, `left`) on a `BroadcastChannel`, with wall-clock times (all tabs share one clock).
 * So every tab can say "tab-3 crashed → failed here after 1.8 s, at all 5 other tabs after 2.0 s".
 *
 * The channel only measures; detection never uses it. Peers that cannot announce (a killed edge
 * peer, a crashed renderer, a tab in another browser) show up from the first observation on, and
 * are timed from when they went silent: the last time a tab of this browser heard from them.
 */
import type { PeerId, PeerState } from '@pulsemesh/core';

/** A fault a tab announces about itself just before it happens. */
export const FaultKind = {
  crash: 'crash',
  hang: 'hang',
  freeze: 'freeze',
  leave: 'leave',
  close: 'close',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** Messages on the channel. */
type Note =
  | { t: 'hello'; peer: PeerId }
  | { t: 'fault'; peer: PeerId; kind: FaultKind; atMs: number; durationMs?: number }
  | { t: 'saw'; observer: PeerId; peer: PeerId; to: PeerState; atMs: number; heardAtMs?: number }
  | { t: 'liar'; observer: PeerId; peer: PeerId; reason: string; atMs: number };

/** One fault (announced or observed) and who noticed it when. */
export interface Incident {
  peer: PeerId;
  /** The announcement, if the peer could make one. */
  fault: { kind: FaultKind; atMs: number; durationMs?: number } | undefined;
  /** When the first tab of this browser (this one included) suspected, failed or lost the peer. */
  firstSeenAtMs: number;
  /**
   * The last time a tab of this browser heard from the peer before it was suspected, failed or
   * lost (the latest such time reported): when it went silent. Undefined if no tab had heard it.
   */
  lastHeardAtMs: number | undefined;
  /** Per observing tab: when it marked the peer `failed` / `left` (wall clock, ms). */
  marked: Map<PeerId, { to: PeerState; atMs: number }>;
  /** Other tabs alive in this browser when the incident began (the "everyone" to wait for). */
  tabsExpected: number;
  /** Wall-clock start of the incident: the announcement, else the first observation. */
  startMs: number;
  /**
   * Set on an incident of its own when tabs of this browser flagged the peer as a liar (the
   * detector's `liar` event: its accusations kept being refuted, or it relayed a forged
   * signature): why (the first tab's reason) and which tabs.
   */
  liar?: { reason: string; flaggedBy: Set<PeerId> };
}

/** Incidents kept (newest first). */
const incidentsMax = 12;
/** A tab not heard from for this long is no longer counted among "everyone". */
const tabTimeoutMs = 6_000;
/** How often each tab says hello. */
const helloIntervalMs = 2_000;
/** A new observation of a peer more than this long after its last incident starts a new one. */
const incidentSpanMs = 30_000;
/** An announcement up to this long after an observation of the peer is about that observation. */
const announcementLagMs = 3_000;

/**
 * Collects incidents from this tab's own observations and the channel. Dispatches `change`
 * whenever the list changes.
 */
export class Incidents extends EventTarget {
  readonly #localId: PeerId;
  readonly #channel: BroadcastChannel | undefined;
  readonly #tabs = new Map<PeerId, number>();
  #incidents: Incident[] = [];
  #helloTimer: ReturnType<typeof setInterval> | undefined;

  constructor(localId: PeerId, room: string) {
    super();
    this.#localId = localId;
    this.#channel =
      typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(`pulsemesh-demo:${room}`);
    this.#channel?.addEventListener('message', (e: MessageEvent<Note>) => this.#receive(e.data));
    this.#post({ t: 'hello', peer: localId });
    this.#helloTimer = setInterval(() => this.#post({ t: 'hello', peer: localId }), helloIntervalMs);
  }

  /** Newest first. */
  list(): readonly Incident[] {
    return this.#incidents;
  }

  /** Other tabs of this browser heard from recently. */
  otherTabs(): number {
    const now = Date.now();
    let n = 0;
    for (const [peer, atMs] of this.#tabs) if (peer !== this.#localId && now - atMs < tabTimeoutMs) n++;
    return n;
  }

  /** Announces a fault of this tab (call just before it takes effect). */
  announce(kind: FaultKind, durationMs?: number): void {
    const note: Note = {
      t: 'fault',
      peer: this.#localId,
      kind,
      atMs: Date.now(),
      ...(durationMs ? { durationMs } : {}),
    };
    this.#post(note);
    this.#receive(note);
  }

  /**
   * Records what this tab's detector just concluded about `peer`; `heardAtMs`: when this tab last
   * heard from it (wall clock, ms), if it ever did.
   */
  observe(peer: PeerId, to: PeerState, heardAtMs?: number): void {
    if (to !== 'suspected' && to !== 'failed' && to !== 'left') return;
    const note: Note = {
      t: 'saw',
      observer: this.#localId,
      peer,
      to,
      atMs: Date.now(),
      ...(heardAtMs === undefined ? {} : { heardAtMs }),
    };
    this.#post(note);
    this.#receive(note);
  }

  /**
   * Records that this tab's detector flagged `peer` as a liar (`reason`: the `liar` event's).
   * Tabs flagging the same peer within a while share one incident.
   */
  flagLiar(peer: PeerId, reason: string): void {
    const note: Note = { t: 'liar', observer: this.#localId, peer, reason, atMs: Date.now() };
    this.#post(note);
    this.#receive(note);
  }

  /** Stops saying hello and closes the channel. */
  close(): void {
    clearInterval(this.#helloTimer);
    this.#helloTimer = undefined;
    this.#channel?.close();
  }

  #post(note: Note): void {
    try {
      this.#channel?.postMessage(note);
    } catch (error) {
      // A closed channel (the page is going away): the measurement is lost, nothing else.
      console.debug('incidents: post failed', error);
    }
  }

  #receive(note: Note): void {
    if (note.t === 'hello') {
      // A tab we did not know yet (say, just opened): answer at once, so it need not wait for
      // our next periodic hello. Both sides then know each other, so this never echoes on.
      const known = this.#tabs.has(note.peer);
      this.#tabs.set(note.peer, Date.now());
      if (!known && note.peer !== this.#localId) this.#post({ t: 'hello', peer: this.#localId });
      return;
    }
    if (note.t === 'liar') {
      this.#tabs.set(note.observer, Date.now());
      const flagged =
        this.#incidents.find(
          (i) => i.peer === note.peer && i.liar && note.atMs - i.startMs < incidentSpanMs,
        ) ?? this.#start(note.peer, note.atMs);
      flagged.liar ??= { reason: note.reason, flaggedBy: new Set() };
      flagged.liar.flaggedBy.add(note.observer);
      flagged.firstSeenAtMs = Math.min(flagged.firstSeenAtMs, note.atMs);
      this.#changed();
      return;
    }
    if (note.t === 'fault') {
      this.#tabs.set(note.peer, Date.now());
      // A closing tab's goodbye over the mesh goes out before its announcement (the mesh's pagehide
      // listener runs first): the `left` it caused may have started an incident already.
      const observed = this.#incidents.find(
        (i) =>
          i.peer === note.peer &&
          !i.fault &&
          !i.liar &&
          i.startMs >= note.atMs - announcementLagMs &&
          i.startMs - note.atMs < incidentSpanMs,
      );
      const incident = observed ?? this.#start(note.peer, note.atMs);
      // The fault happened no later than its first observation.
      const atMs = Math.min(note.atMs, incident.firstSeenAtMs);
      incident.startMs = atMs;
      incident.fault = {
        kind: note.kind,
        atMs,
        ...(note.durationMs ? { durationMs: note.durationMs } : {}),
      };
      this.#changed();
      return;
    }
    this.#tabs.set(note.observer, Date.now());
    // A conclusion from a tab that already drew one about this incident is about a new fault (the
    // peer recovered in between: say, lossy and failed, then healthy, then its tab closed).
    const concluded = (i: Incident): boolean => note.to !== 'suspected' && i.marked.has(note.observer);
    let incident = this.#incidents.find(
      (i) => i.peer === note.peer && !i.liar && note.atMs - i.startMs < incidentSpanMs && !concluded(i),
    );
    if (!incident) {
      if (note.to === 'suspected' || note.to === 'failed' || note.to === 'left')
        incident = this.#start(note.peer, note.atMs);
      else return;
    }
    incident.firstSeenAtMs = Math.min(incident.firstSeenAtMs, note.atMs);
    const heard = note.heardAtMs;
    if (typeof heard === 'number' && Number.isFinite(heard) && heard <= note.atMs)
      incident.lastHeardAtMs = Math.max(incident.lastHeardAtMs ?? heard, heard);
    if ((note.to === 'failed' || note.to === 'left') && !incident.marked.has(note.observer))
      incident.marked.set(note.observer, { to: note.to, atMs: note.atMs });
    this.#changed();
  }

  #start(peer: PeerId, atMs: number): Incident {
    const incident: Incident = {
      peer,
      fault: undefined,
      firstSeenAtMs: Number.POSITIVE_INFINITY,
      lastHeardAtMs: undefined,
      marked: new Map(),
      tabsExpected: this.#expectedObservers(peer),
      startMs: atMs,
    };
    this.#incidents = [incident, ...this.#incidents].slice(0, incidentsMax);
    return incident;
  }

  /** Tabs that should notice `peer`'s fault: every live tab of this browser but `peer` itself. */
  #expectedObservers(peer: PeerId): number {
    if (peer === this.#localId) return this.otherTabs();
    const heardAtMs = this.#tabs.get(peer);
    const isLiveTab = heardAtMs !== undefined && Date.now() - heardAtMs < tabTimeoutMs;
    return this.otherTabs() + 1 - (isLiveTab ? 1 : 0);
  }

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}
