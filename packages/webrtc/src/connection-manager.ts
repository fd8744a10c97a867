// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient typings of an untyped package must reach every program compiling this source
/// <reference path="./simple-peer.d.ts" />
import type { PeerId } from '@pulsemesh/core';
import { backoffDelayMs } from './backoff.js';
import {
  resolveConnectionOptions,
  type ConnectionHandlers,
  type ConnectionManagerOptions,
  type ResolvedConnectionOptions,
} from './connection-options.js';
import type { Identity } from './identity.js';
import { isInitiator } from './initiator.js';
import {
  checkLinkProof,
  LinkProofError,
  linkNeedsProof,
  sameFingerprints,
  signLinkProof,
} from './link-proof.js';
import { Link, LinkState } from './link.js';
import { parseLinkSignal, signalsPerMessageMax, type LinkSignal, type SignalData } from './link-signal.js';
import { PeerSlots, type PeerSlot } from './peer-slots.js';
import { SessionGate } from './session-gate.js';
import { isEstablished } from './stranger-budget.js';

/** How long a link's signals gather before they go out as one message (ms). */
const signalBatchMs = 10;

/**
 * Keeps WebRTC links to the members of a room: dials the peers it initiates for (see
 * `isInitiator`), asks the others to dial it, stays within `maxConnections` (picking a random
 * subset when the room is larger), retries dropped links with jittered exponential backoff, and
 * never closes a working link to rebalance (no churn). Signaling loss leaves open links alone.
 */
export class ConnectionManager {
  readonly localId: PeerId;
  readonly maxConnections: number;
  readonly acceptConnectionsMax: number;
  /** Counters for metrics and tests. */
  readonly counters = {
    linksCreated: 0,
    linksOpened: 0,
    linksClosed: 0,
    signalErrors: 0,
    busySent: 0,
    /** Offers, answers or opened links refused for their link proof (see `LinkProofError`). */
    linkProofsRefused: 0,
    /** New sessions (offers, dial requests) refused past a member's `sessionBudget`: nothing built. */
    sessionsRefused: 0,
    /** In-band channels a member opened on its link beyond the one a link carries, closed. */
    channelsRefused: 0,
    /** Of `sessionsRefused`: strangers' new sessions refused past the shared `strangerBudget`. */
    strangerSessionsRefused: 0,
    /** Unheard links (a stranger's, never opened) closed to make room for a newcomer's. */
    unheardLinksDisplaced: 0,
    /** Links built on a stranger's initiative, charged to the shared `strangerBudget`. */
    strangerLinksBuilt: 0,
  };
  #options: ResolvedConnectionOptions;
  #identity: Identity | undefined;
  /** Links whose `linkUp` was reported (so only they report `linkDown`). */
  #counted = new WeakSet<Link>();
  #send: ConnectionManagerOptions['sendSignal'];
  #handlers: ConnectionHandlers;
  #slots: PeerSlots;
  #gate: SessionGate;
  #closed = false;
  #suspended = false;

  constructor(options: ConnectionManagerOptions) {
    this.localId = options.localId;
    this.#options = resolveConnectionOptions(options);
    this.maxConnections = this.#options.maxConnections;
    this.acceptConnectionsMax = this.#options.acceptConnectionsMax;
    this.#send = options.sendSignal;
    this.#identity = options.identity;
    this.#handlers = options.handlers;
    this.#slots = new PeerSlots(this.#options.knownPeersMax);
    this.#gate = new SessionGate(this.#options, this.counters, this.#slots, {
      send: (to, signal) => this.#send(to, signal),
      error: (peer, error) => this.#handlers.error?.(peer, error),
      trace: (peer, what) => this.#trace(peer, what),
      close: (slot, reason) => this.#closeSlotLink(slot, reason, false),
    });
  }

  /** Open links. */
  openLinks(): Link[] {
    return [...this.#slots.values()].flatMap((s) => (s.link?.state === LinkState.open ? [s.link] : []));
  }

  /** The open link to `peer`, if any. */
  link(peer: PeerId): Link | undefined {
    const link = this.#slots.get(peer)?.link;
    return link?.state === LinkState.open ? link : undefined;
  }

  /**
   * Whether a link to `peer` was tried: one built (dialled, or its offer accepted) or a dial asked
   * for, with no `busy` answer since (a full peer is reachable, not failed). Decision 0062.
   */
  linkTried(peer: PeerId): boolean {
    return this.#slots.get(peer)?.tried === true;
  }

  /** Links that exist (connecting or open). */
  linkCount(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.link) n += 1;
    return n;
  }

  /** Replaces the set of room members (from a signaling roster). Links to others stay open. */
  setRoster(peers: Iterable<PeerId>): void {
    const roster = new Set(peers);
    roster.delete(this.localId);
    for (const slot of this.#slots.values()) slot.inRoster = roster.has(slot.id);
    for (const id of roster) {
      const slot = this.#slots.getOrAdd(id);
      if (slot) slot.inRoster = true;
    }
    this.#reconcile();
  }

  /** STUN/TURN servers new links use. */
  iceServers(): readonly RTCIceServer[] {
    return this.#options.iceServers;
  }

  /** STUN/TURN servers for links made from now on (e.g. fresh TURN credentials from a roster). */
  setIceServers(servers: RTCIceServer[]): void {
    this.#options.iceServers = servers;
  }

  /** A member joined the room. */
  addPeer(peer: PeerId): void {
    if (peer === this.localId) return;
    const slot = this.#slots.getOrAdd(peer);
    if (!slot) return;
    slot.inRoster = true;
    this.#reconcile();
  }

  /** A member left the signaling room: no new links to it; an open link stays until it closes. */
  removePeer(peer: PeerId): void {
    const slot = this.#slots.get(peer);
    if (slot) slot.inRoster = false;
  }

  /** Closes the link to a peer that left for good (detector: `left`), without retrying. */
  closeLink(peer: PeerId, reason = 'peer left'): void {
    const slot = this.#slots.get(peer);
    if (!slot) return;
    slot.inRoster = false;
    this.#closeSlotLink(slot, reason, true);
  }

  /**
   * `peer` is linked another way (`true`: a same-browser tab over BroadcastChannel): close the
   * WebRTC link to it, if any, without retrying, and neither dial nor answer it while so; `false`
   * lifts that (a member of the room is then linked over WebRTC again).
   */
  setLinkedElsewhere(peer: PeerId, elsewhere: boolean): void {
    if (peer === this.localId) return;
    const slot = elsewhere ? this.#slots.getOrAdd(peer) : this.#slots.get(peer);
    if (!slot || slot.elsewhere === elsewhere) return;
    slot.elsewhere = elsewhere;
    if (elsewhere) this.#closeSlotLink(slot, 'linked elsewhere', true);
    else this.#reconcile();
  }

  /** Handles a signal payload from `from` (untrusted; errors are counted). */
  handleSignal(from: PeerId, payload: unknown): void {
    if (this.#closed || this.#suspended || from === this.localId) return;
    const parsed = parseLinkSignal(payload);
    if (!parsed.ok) return this.#signalError(from, parsed.error);
    const slot = this.#slots.getOrAdd(from);
    if (!slot) return this.#signalError(from, 'too many known peers');
    if (slot.elsewhere) return; // a late offer or dial request from a tab linked over BroadcastChannel
    const msg = parsed.value;
    this.#trace(
      from,
      `recv ${msg.t}${msg.t === 'sdp' ? ` ${msg.d.map((d) => d.type).join(',')} s=${msg.s} mine=${slot.session}` : ''}`,
    );
    const initiator = isInitiator(this.localId, from);
    if (msg.t === 'sdp') {
      const current = slot.link !== undefined && slot.session === msg.s;
      if (!current && (initiator || msg.d[0]?.type !== 'offer')) return; // stale session
      if (!current && !this.#gate.sessionAllowed(slot, msg.s)) return;
      const proven = this.#checkProof(slot, from, msg, initiator);
      if (proven === false) return;
      if (current) {
        if (proven) slot.proven = { session: msg.s, fingerprints: proven };
        for (const d of msg.d) slot.link!.signal(d);
        return;
      }
      const charged = this.#gate.roomFor(slot, msg.s);
      if (charged === undefined) return;
      this.#closeSlotLink(slot, 'replaced by a new session', false);
      const link = this.#createLink(slot, msg.s, false);
      if (charged) slot.strangerLinkAtMs = performance.now();
      if (proven) slot.proven = { session: msg.s, fingerprints: proven };
      for (const d of msg.d) link.signal(d);
      return;
    }
    if (msg.t === 'dial') {
      if (!initiator) return this.#signalError(from, 'dial request from a non-initiator');
      if (slot.link?.state === LinkState.connecting) return;
      if (!this.#gate.sessionAllowed(slot, undefined)) return;
      const charged = this.#gate.roomFor(slot, undefined);
      if (charged === undefined) return;
      this.#closeSlotLink(slot, 'remote has no link', false);
      slot.retryAtMs = 0;
      this.#dial(slot);
      if (charged) slot.strangerLinkAtMs = performance.now();
      return;
    }
    if (msg.t === 'busy') {
      if (msg.s !== undefined && msg.s !== slot.session) return;
      if (slot.link?.state === LinkState.open) return;
      slot.requestPending = false;
      slot.tried = false; // reachable, but full: not a link that failed
      this.#closeSlotLink(slot, 'remote busy', false);
      this.#scheduleRetryIn(slot, this.#options.busyRetryMs * (0.5 + this.#options.random() * 0.5));
      return;
    }
    if (slot.session !== msg.s) return;
    this.#closeSlotLink(slot, 'remote bye', false);
    this.#scheduleRetry(slot);
  }

  /** Stops all activity but keeps links open and silent (fault injection: a hung peer). */
  suspend(): void {
    this.#suspended = true;
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
  }

  /** Closes every link and stops. Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const slot of this.#slots.values()) this.#closeSlotLink(slot, 'manager closed', true);
    this.#closed = true;
  }

  /** Fills free capacity with a random choice of unlinked room members. */
  #reconcile(): void {
    if (this.#closed || this.#suspended) return;
    const free = this.maxConnections - this.#slots.used();
    if (free <= 0) return;
    const candidates = this.#slots.dialCandidates(performance.now(), this.#options.random);
    for (const slot of candidates.slice(0, free)) {
      if (isInitiator(this.localId, slot.id)) this.#dial(slot);
      else this.#request(slot);
    }
  }

  #dial(slot: PeerSlot): void {
    this.#trace(slot.id, 'dial');
    const session = randomSession();
    this.#createLink(slot, session, true);
  }

  /** Non-initiator: wait `dialRequestGraceMs` for the initiator's offer, then ask it to dial. */
  #request(slot: PeerSlot): void {
    this.#trace(slot.id, 'await offer');
    slot.requestPending = true;
    this.#setTimer(slot, this.#options.dialRequestGraceMs, () => {
      if (!slot.requestPending || slot.link) return;
      this.#trace(slot.id, 'request dial');
      slot.tried = true;
      this.#send(slot.id, { v: 1, t: 'dial' });
      this.#setTimer(slot, this.#options.connectTimeoutMs, () => {
        if (!slot.requestPending) return;
        slot.requestPending = false;
        this.#scheduleRetry(slot);
      });
    });
  }

  #createLink(slot: PeerSlot, session: string, initiator: boolean): Link {
    slot.requestPending = false;
    slot.tried = true;
    slot.session = session;
    slot.everBuilt = true;
    slot.strangerLinkAtMs = NaN;
    this.counters.linksCreated += 1;
    const link: Link = new Link({
      remoteId: slot.id,
      initiator,
      iceServers: this.#options.iceServers,
      bindAddress: this.#options.bindAddress,
      reliableMessageBytesMax: this.#options.reliableMessageBytesMax,
      handlers: {
        signal: (d) => this.#queueSignal(slot, session, d),
        open: () => {
          clearTimeout(slot.timer);
          if (!this.#negotiatedAsProven(slot, session, link)) return;
          if (slot.link === link) this.#gate.opened(slot);
          this.#counted.add(link);
          this.counters.linksOpened += 1;
          this.#trace(slot.id, 'link open');
          this.#handlers.linkUp?.(slot.id);
        },
        close: (reason) => this.#onLinkClosed(slot, link, reason),
        heartbeat: (bytes) => this.#handlers.heartbeat?.(slot.id, bytes),
        reliable: (bytes) => this.#handlers.reliable?.(slot.id, bytes),
        error: (error) => this.#handlers.error?.(slot.id, error),
        channelRefused: () => (this.counters.channelsRefused += 1),
      },
    });
    slot.link = link;
    this.#setTimer(slot, this.#options.connectTimeoutMs, () => {
      if (slot.link === link && link.state === LinkState.connecting) link.close('connect timeout');
    });
    return link;
  }

  /** A link closed on its own (error, timeout, remote close): clean up and retry later. */
  #onLinkClosed(slot: PeerSlot, link: Link, reason: string): void {
    this.#trace(slot.id, `link closed (${reason}) current=${slot.link === link}`);
    this.counters.linksClosed += 1;
    const wasOpen = link.openedAtMs !== undefined;
    if (slot.link === link) {
      slot.established = isEstablished(slot, performance.now(), this.#options.stableLinkMs);
      slot.link = undefined;
      slot.strangerLinkAtMs = NaN;
      if (wasOpen && performance.now() - link.openedAtMs! >= this.#options.stableLinkMs) slot.attempts = 0;
      this.#sendBye(slot, reason);
      if (this.#counted.delete(link)) this.#handlers.linkDown?.(slot.id, reason);
      this.#scheduleRetry(slot);
      return;
    }
    if (this.#counted.delete(link)) this.#handlers.linkDown?.(slot.id, reason);
  }

  /** Closes a slot's link on purpose; `final` also stops timers and pending requests. */
  #closeSlotLink(slot: PeerSlot, reason: string, final: boolean): void {
    if (final) {
      clearTimeout(slot.timer);
      slot.requestPending = false;
    }
    const link = slot.link;
    if (!link) return;
    slot.established = isEstablished(slot, performance.now(), this.#options.stableLinkMs);
    slot.link = undefined;
    slot.strangerLinkAtMs = NaN;
    this.#sendBye(slot, reason);
    link.close(reason);
  }

  #sendBye(slot: PeerSlot, reason: string): void {
    const session = slot.session;
    slot.session = undefined;
    if (session && !this.#closed && !this.#suspended && reason !== 'remote bye')
      this.#send(slot.id, { v: 1, t: 'bye', s: session });
  }

  #scheduleRetry(slot: PeerSlot): void {
    this.#scheduleRetryIn(slot, backoffDelayMs(slot.attempts++, this.#options.backoff, this.#options.random));
  }

  #scheduleRetryIn(slot: PeerSlot, delay: number): void {
    if (this.#closed || this.#suspended) return;
    slot.retryAtMs = performance.now() + delay;
    this.#trace(slot.id, `retry in ${delay} ms`);
    this.#setTimer(slot, delay, () => {
      slot.retryAtMs = 0; // timers may fire a fraction of a ms before performance.now() agrees
      this.#reconcile();
    });
    this.#reconcile();
  }

  #setTimer(slot: PeerSlot, delayMs: number, fn: () => void): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(fn, delayMs);
    (slot.timer as { unref?: () => void }).unref?.();
  }

  /** Batches a link's signals for `signalBatchMs`, so an offer and its candidates share a message. */
  #queueSignal(slot: PeerSlot, session: string, data: SignalData): void {
    if (this.#suspended || this.#closed) return;
    const batch = slot.outbox?.session === session ? slot.outbox : { session, data: [] };
    slot.outbox = batch;
    batch.data.push(data);
    const flush = (): void => {
      if (slot.outbox !== batch) return;
      slot.outbox = undefined;
      if (!this.#suspended && !this.#closed && slot.session === session)
        this.#send(slot.id, this.#withProof(slot.id, session, batch.data));
    };
    if (batch.data.length >= signalsPerMessageMax) flush();
    else if (batch.data.length === 1) setTimeout(flush, signalBatchMs);
  }

  /** An sdp message, with this peer's link proof when it carries an offer or answer and has a key. */
  #withProof(to: PeerId, session: string, data: SignalData[]): LinkSignal {
    const sdp = this.#identity && data.find((d) => d.type === 'offer' || d.type === 'answer')?.sdp;
    const proof = sdp ? signLinkProof(this.#identity!, to, session, sdp) : undefined;
    return proof
      ? { v: 1, t: 'sdp', s: session, d: data, p: proof }
      : { v: 1, t: 'sdp', s: session, d: data };
  }

  /**
   * Checks the link proof of an sdp message from a key-derived peer: the fingerprints it vouches
   * for, `undefined` when none is needed (no offer/answer, or a plain id), or `false` when refused
   * (counted; the offer is not answered, a link waiting for this answer is closed and retried).
   */
  #checkProof(
    slot: PeerSlot,
    from: PeerId,
    msg: Extract<LinkSignal, { t: 'sdp' }>,
    initiator: boolean,
  ): string[] | undefined | false {
    const sdps = msg.d.flatMap((d) => ((d.type === 'offer' || d.type === 'answer') && d.sdp ? [d.sdp] : []));
    if (sdps.length === 0 || !linkNeedsProof(from)) return undefined;
    const check = checkLinkProof(msg.p, from, this.localId, msg.s, sdps);
    if (check.ok) return check.fingerprints;
    this.#refuseProof(slot, check.error);
    if (slot.link && slot.session === msg.s) {
      this.#closeSlotLink(slot, `link proof: ${check.error}`, false);
      this.#scheduleRetry(slot);
    } else if (!initiator) this.#send(from, { v: 1, t: 'bye', s: msg.s });
    return false;
  }

  /**
   * At open: a key-derived peer's link counts only if the connection negotiated exactly the
   * fingerprints its proof vouched for in this session (DTLS checked the far end holds them).
   * Otherwise the link is closed (retried with backoff) and never reported up.
   */
  #negotiatedAsProven(slot: PeerSlot, session: string, link: Link): boolean {
    if (!linkNeedsProof(slot.id)) return true;
    const negotiated = link.remoteFingerprints();
    const proven = slot.proven?.session === session ? slot.proven.fingerprints : undefined;
    if (negotiated && proven && sameFingerprints(negotiated, proven)) return true;
    const error = proven ? LinkProofError.fingerprintMismatch : LinkProofError.missing;
    this.#refuseProof(slot, error);
    link.close(`link proof: ${error}`);
    return false;
  }

  #refuseProof(slot: PeerSlot, error: LinkProofError): void {
    this.counters.linkProofsRefused += 1;
    this.#trace(slot.id, `link proof refused: ${error}`);
    this.#handlers.error?.(slot.id, `link-proof: ${error}`);
  }

  #trace(peer: PeerId, what: string): void {
    if (traceEnabled)
      console.debug(`${performance.now().toFixed(0)} [pulsemesh ${this.localId}→${peer}] ${what}`);
  }

  #signalError(from: PeerId, error: string): void {
    this.counters.signalErrors += 1;
    this.#handlers.error?.(from, `signal: ${error}`);
  }
}

// Read through globalThis so browser-only consumers (DOM lib, no Node types) type-check this file.
const traceEnabled = Boolean(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    'PULSEMESH_TRACE'
  ],
);

function randomSession(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
