/** Detector counters, for dashboards, Prometheus and the simulator's bandwidth measurements. */
export interface DetectorStats {
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Messages that failed to decode (each also emitted as `decode-error`). */
  decodeErrors: number;
  /**
   * Ids from the wire refused as not canonical ASCII (`isCanonicalPeerId`, decision 0052): each
   * update dropped for its subject or signer id, each ping-req for its target (also a decode
   * error), each roster ask naming one (also in `rosterAsksRejected`). Never a member, event or verdict.
   */
  peerIdsRefused: number;
  /** Messages from peers that are not members. */
  messagesFromUnknown: number;
  /** Direct probes (pings) sent. */
  probesSent: number;
  /** Probes that got neither a direct nor an indirect ack. */
  probesFailed: number;
  /** Ping-req messages sent. */
  indirectProbesSent: number;
  acksReceived: number;
  nacksReceived: number;
  /** Acks that matched no outstanding probe or relay job (late or duplicated). */
  unmatchedAcks: number;
  /** Times this peer refuted gossip about itself. */
  refutations: number;
  suspicionsRaised: number;
  failuresDeclared: number;
  /** `failed` gossip about a peer heard from directly just before, verified as a suspicion instead. */
  failuresDisputed: number;
  /** Updates about peers not stored here, forwarded anyway. */
  updatesForwarded: number;
  /** Suspicion expiries not turned into failures because this peer is probably in a minority partition. */
  failuresHeldByPartition: number;
  /** Late timers that counted against local health. */
  lateTimers: number;
  /**
   * New members not stored because `membersMax` was reached: gossip about unknown peers, and each
   * refused seat try of a linked peer (its link-up, and its retries from `unseated`, decision 0072).
   */
  membersDropped: number;
  membersEvicted: number;
  /** Failed or left members moved to the past members after `reapAfterMs`. */
  membersReaped: number;
  /** Past members that came back (a link, a message, a higher incarnation). */
  membersRestored: number;
  /** Ping-reqs nacked because `relayJobsMax` relays were in flight, or open jobs displaced to make room (decision 0071; a displaced job still answers: 0077). */
  relayJobsDropped: number;
  /** Ping-reqs dropped past their requester's relay-job budget (`relay-budget.ts`, decisions 0056, 0063). */
  relayJobsRefused: number;
  /** Ping-reqs nacked past their target's relay-job bucket, shared by all requesters (`relay-budget.ts`, decision 0063). */
  relayJobsCapped: number;
  /** Ping-reqs naming this peer as their target, dropped unanswered (no honest peer sends one). */
  pingReqsToSelf: number;
  updatesSent: number;
  updatesReceived: number;
  syncMessagesSent: number;
  /**
   * Bare sync requests answered with nothing: the requester was served within `SYNC_SERVE_GAP_MS`,
   * or it is no member here and `SYNC_UNKNOWN_SERVED_MAX` other such requesters were served within it.
   */
  syncRequestsRefused: number;
  /** Roster asks sent: a `sync-req` naming roster members this peer holds no record of (decision 0034). */
  rosterAsksSent: number;
  /** Roster asks answered (with the records held for the ids named). */
  rosterAsksAnswered: number;
  /**
   * Roster asks refused (a malformed `wanted` extension, a requester asking again within 1 s, a
   * flagged liar or a sender that is no member here), plus each id repeated in an ask (answered once).
   */
  rosterAsksRejected: number;
  /** Messages pushing a verdict or refutation at once (besides piggybacking). */
  pushesSent: number;
  /** Checks of accused peers (confirmation of a gossiped suspicion, verification of a verdict). */
  checksSent: number;
  /** Checks the accused peer answered (the accusation was wrong from here). */
  checksAnswered: number;
  /** Checks not started because `CHECKS_MAX` were in flight (a verdict is then accepted unchecked). */
  checksDropped: number;
  /** Signaling-session witnesses handed in (`Detector.witness`). */
  witnessesReceived: number;
  /** Witnessed checks started (a `closed-by-peer` witness about a linked, live peer). */
  witnessChecks: number;
  /** Witnessed checks the peer answered (alive; its signaling dropped). */
  witnessChecksAnswered: number;
  /** Peers declared `failed` with reason `witnessed`. */
  witnessFailures: number;
  /** Updates refused: incarnation above the bound, or (with trust) unsigned or badly signed. */
  updatesRejected: number;
  /** Signatures that did not verify (each scores the relaying peer as a liar). */
  signaturesRejected: number;
  /** Signatures verified (each statement once: verified ones are cached). */
  signaturesVerified: number;
  /** Signed updates dropped unverified: applying them could change nothing here (`changesNothing`). */
  signaturesSkipped: number;
  /** Updates this peer signed (its own statements and accusations). */
  signaturesMade: number;
  /** Accusations by flagged liars dropped unchecked (rate limit). */
  accusationsThrottled: number;
  /** Signed `failed` verdicts whose signer was neither linked nor on the roster: not counted as declarers (decision 0027). */
  declarersUnknown: number;
  /** Incarnations taken from two independent declarers' `failed` above the one held (a missed refutation, decision 0031). */
  incarnationsFromDeclarers: number;
  /** Peers flagged as liars. */
  liarsFlagged: number;
  /** `failed` verdicts about unlinked peers checked through relays (trust mode). */
  relayChecksSent: number;
  /**
   * Times our own verdict on a suspicion that ran out was held because our own pings had not gone
   * unanswered for the stall tolerance yet (trust mode, decision 0024).
   */
  verdictsHeldForSilence: number;
  /**
   * Times our own verdict on a suspicion that ran out was held because our last verdict about that
   * peer was refuted by its own signature and it has not answered us since: a broken path (trust
   * mode, decision 0033).
   */
  verdictsHeldForPath: number;
  /** Members currently known. */
  members: number;
  /** Updates waiting to be piggybacked. */
  queuedUpdates: number;
}

/** All-zero counters. */
export function newStats(): DetectorStats {
  return {
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    decodeErrors: 0,
    peerIdsRefused: 0,
    updatesRejected: 0,
    signaturesRejected: 0,
    signaturesVerified: 0,
    signaturesSkipped: 0,
    signaturesMade: 0,
    accusationsThrottled: 0,
    declarersUnknown: 0,
    incarnationsFromDeclarers: 0,
    liarsFlagged: 0,
    relayChecksSent: 0,
    verdictsHeldForSilence: 0,
    verdictsHeldForPath: 0,
    messagesFromUnknown: 0,
    probesSent: 0,
    probesFailed: 0,
    indirectProbesSent: 0,
    acksReceived: 0,
    nacksReceived: 0,
    unmatchedAcks: 0,
    refutations: 0,
    suspicionsRaised: 0,
    failuresDeclared: 0,
    failuresDisputed: 0,
    updatesForwarded: 0,
    failuresHeldByPartition: 0,
    lateTimers: 0,
    membersDropped: 0,
    membersEvicted: 0,
    membersReaped: 0,
    membersRestored: 0,
    relayJobsDropped: 0,
    relayJobsRefused: 0,
    relayJobsCapped: 0,
    pingReqsToSelf: 0,
    updatesSent: 0,
    updatesReceived: 0,
    syncMessagesSent: 0,
    syncRequestsRefused: 0,
    rosterAsksSent: 0,
    rosterAsksAnswered: 0,
    rosterAsksRejected: 0,
    pushesSent: 0,
    checksSent: 0,
    checksAnswered: 0,
    checksDropped: 0,
    witnessesReceived: 0,
    witnessChecks: 0,
    witnessChecksAnswered: 0,
    witnessFailures: 0,
    members: 0,
    queuedUpdates: 0,
  };
}
