import { describe, expect, it } from 'vitest';
import { generateIdentity } from './identity.js';
import {
  checkLinkProof,
  linkNeedsProof,
  sdpFingerprints,
  signLinkProof,
  type LinkProof,
} from './link-proof.js';

const FP_A = Array.from({ length: 32 }, (_, i) =>
  (i * 7 + 3).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const FP_M = Array.from({ length: 32 }, (_, i) =>
  (i * 5 + 1).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const sdpWith = (...lines: string[]): string =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    ...lines,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    '',
  ].join('\r\n');

describe('sdpFingerprints', () => {
  it('normalises, de-duplicates and sorts every a=fingerprint line', () => {
    const sdp = sdpWith(
      `a=fingerprint:SHA-256 ${FP_A.toLowerCase()}`,
      `a=fingerprint:sha-256 ${FP_A}`,
      `a=fingerprint:sha-1 ${FP_M.slice(0, 59)}`,
    );
    expect(sdpFingerprints(sdp)).toEqual([`sha-1 ${FP_M.slice(0, 59)}`, `sha-256 ${FP_A}`]);
  });

  it('refuses an SDP with no fingerprint, an unreadable one or too many', () => {
    expect(sdpFingerprints(sdpWith())).toBeUndefined();
    expect(sdpFingerprints(sdpWith('a=fingerprint:sha-256 not-hex'))).toBeUndefined();
    const many = Array.from(
      { length: 9 },
      (_, i) => `a=fingerprint:sha-256 ${FP_A.slice(0, -2)}${String(10 + i)}`,
    );
    expect(sdpFingerprints(sdpWith(...many))).toBeUndefined();
  });
});

describe('link proofs', () => {
  const a = generateIdentity();
  const b = generateIdentity();
  const offer = sdpWith(`a=fingerprint:sha-256 ${FP_A}`);

  it('a proof verifies for its signer, recipient, session and fingerprints', () => {
    const proof = signLinkProof(a, b.id, 'sess1', offer) as LinkProof;
    expect(proof.k).toHaveLength(43);
    expect(proof.g).toHaveLength(86);
    expect(checkLinkProof(proof, a.id, b.id, 'sess1', [offer])).toEqual({
      ok: true,
      fingerprints: [`sha-256 ${FP_A}`],
    });
  });

  it('refuses a swapped fingerprint, another session, recipient or signer, and a foreign key', () => {
    const proof = signLinkProof(a, b.id, 'sess1', offer) as LinkProof;
    const swapped = offer.replace(FP_A, FP_M);
    const error = (p: unknown, ...args: [string, string, string, string[]]): string | undefined => {
      const r = checkLinkProof(p, ...args);
      return r.ok ? undefined : r.error;
    };
    expect(error(proof, a.id, b.id, 'sess1', [swapped])).toBe('bad-signature');
    expect(error(proof, a.id, b.id, 'sess2', [offer])).toBe('bad-signature');
    const c = generateIdentity();
    expect(error(proof, a.id, c.id, 'sess1', [offer])).toBe('bad-signature');
    expect(error(proof, c.id, b.id, 'sess1', [offer])).toBe('wrong-key');
    // A relay signing with its own key for the victim's id.
    expect(error(signLinkProof(c, b.id, 'sess1', swapped), a.id, b.id, 'sess1', [swapped])).toBe('wrong-key');
    expect(error(undefined, a.id, b.id, 'sess1', [offer])).toBe('missing');
    expect(error({ k: proof.k, g: `${proof.g.slice(0, -1)}=` }, a.id, b.id, 'sess1', [offer])).toBe(
      'malformed',
    );
    expect(error({ k: proof.g, g: proof.k }, a.id, b.id, 'sess1', [offer])).toBe('malformed');
    expect(error(proof, a.id, b.id, 'sess1', [sdpWith()])).toBe('no-fingerprint');
    expect(error(proof, a.id, b.id, 'sess1', [offer, swapped])).toBe('bad-signature');
  });

  it('only key-derived ids need proofs', () => {
    expect(linkNeedsProof(a.id)).toBe(true);
    expect(linkNeedsProof('edge-1')).toBe(false);
  });
});
