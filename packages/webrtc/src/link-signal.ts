import type { LinkProof } from './link-proof.js';

/**
 * One simple-peer signal (an SDP or an ICE candidate), the shape simple-peer emits on `signal` and
 * accepts in `signal()`. Declared here rather than imported, so the published types do not refer
 * to simple-peer (bundled into the build, decision 0016).
 */
export interface SignalData {
  type?: 'offer' | 'answer' | 'pranswer' | 'rollback' | 'candidate' | 'renegotiate' | 'transceiverRequest';
  sdp?: string;
  candidate?: RTCIceCandidateInit;
  renegotiate?: boolean;
}

/**
 * What the connection manager sends through the signaling server (the `payload` of a signal):
 *
 * ```
 * link-signal = { v: 1, t: "sdp",  s: session, d: [signal, …], p?: proof }
 *                                                 1 to 32 simple-peer signals (offer / answer /
 *                                                 candidates); p: the sender's link proof over its
 *                                                 DTLS fingerprints (`link-proof.ts`), required with
 *                                                 an offer or answer from a key-derived id
 *             | { v: 1, t: "dial" }                                       "I have no link: dial me"
 *             | { v: 1, t: "busy", s?: session }                          "at maxConnections"
 *             | { v: 1, t: "bye",  s: session }                           "I closed that session"
 * session     = 1 to 32 characters [A-Za-z0-9_-]
 * ```
 * A session names one RTCPeerConnection attempt, so stale candidates of an earlier attempt are
 * ignored. Only the initiator (see `isInitiator`) creates sessions.
 */
export type LinkSignal =
  | { v: 1; t: 'sdp'; s: string; d: SignalData[]; p?: LinkProof }
  | { v: 1; t: 'dial' }
  | { v: 1; t: 'busy'; s?: string }
  | { v: 1; t: 'bye'; s: string };

/** Limits on inbound signaling data. */
const sdpCharsMax = 64 * 1024;
const candidateCharsMax = 2 * 1024;
/** Most simple-peer signals batched in one message. */
export const signalsPerMessageMax = 32;
const proofCharsMax = 128;
const sessionPattern = /^[A-Za-z0-9_-]{1,32}$/;

/** Result of {@link parseLinkSignal}. */
export type ParsedLinkSignal = { ok: true; value: LinkSignal } | { ok: false; error: string };

/** Validates an untrusted signal payload; never throws. */
export function parseLinkSignal(payload: unknown): ParsedLinkSignal {
  if (typeof payload !== 'object' || payload === null) return fail('not an object');
  const p = payload as Record<string, unknown>;
  if (p['v'] !== 1) return fail('unsupported version');
  const session = p['s'];
  if (session !== undefined && (typeof session !== 'string' || !sessionPattern.test(session)))
    return fail('bad session');
  switch (p['t']) {
    case 'dial':
      return { ok: true, value: { v: 1, t: 'dial' } };
    case 'busy':
      return {
        ok: true,
        value: session === undefined ? { v: 1, t: 'busy' } : { v: 1, t: 'busy', s: session },
      };
    case 'bye':
      if (session === undefined) return fail('bye without session');
      return { ok: true, value: { v: 1, t: 'bye', s: session } };
    case 'sdp': {
      if (session === undefined) return fail('sdp without session');
      const list = p['d'];
      if (!Array.isArray(list) || list.length === 0 || list.length > signalsPerMessageMax)
        return fail('bad signal list');
      const data: SignalData[] = [];
      for (const item of list) {
        const parsed = parseSignalData(item);
        if (!parsed) return fail('bad signal data');
        data.push(parsed);
      }
      const proof = p['p'];
      if (proof === undefined) return { ok: true, value: { v: 1, t: 'sdp', s: session, d: data } };
      if (!isProofShape(proof)) return fail('bad proof');
      return { ok: true, value: { v: 1, t: 'sdp', s: session, d: data, p: { k: proof.k, g: proof.g } } };
    }
    default:
      return fail('unknown type');
  }
}

function parseSignalData(d: unknown): SignalData | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const data = d as Record<string, unknown>;
  if (data['type'] === 'offer' || data['type'] === 'answer') {
    const sdp = data['sdp'];
    if (typeof sdp !== 'string' || sdp.length > sdpCharsMax) return undefined;
    return { type: data['type'], sdp };
  }
  if (data['type'] === 'candidate') {
    const c = data['candidate'];
    if (typeof c !== 'object' || c === null) return undefined;
    const cand = c as Record<string, unknown>;
    if (typeof cand['candidate'] !== 'string' || cand['candidate'].length > candidateCharsMax)
      return undefined;
    const init: RTCIceCandidateInit = { candidate: cand['candidate'] };
    if (typeof cand['sdpMid'] === 'string') init.sdpMid = cand['sdpMid'];
    if (typeof cand['sdpMLineIndex'] === 'number') init.sdpMLineIndex = cand['sdpMLineIndex'];
    return { type: 'candidate', candidate: init };
  }
  if (data['type'] === 'renegotiate' && data['renegotiate'] === true)
    return { type: 'renegotiate', renegotiate: true };
  return undefined;
}

function isProofShape(p: unknown): p is LinkProof {
  if (typeof p !== 'object' || p === null) return false;
  const { k, g } = p as Record<string, unknown>;
  return (
    typeof k === 'string' && typeof g === 'string' && k.length <= proofCharsMax && g.length <= proofCharsMax
  );
}

function fail(error: string): ParsedLinkSignal {
  return { ok: false, error };
}
