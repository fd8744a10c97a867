import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { derivePeerId, isCanonicalPeerId, keyMatchesId } from '@pulsemesh/core';
import { keyDerivedId } from '@pulsemesh/signal-server';
import { isCanonicalPeerId as signalCanonical } from '@pulsemesh/signal';
import { ed25519Runtime, nobleEd25519 } from './ed25519.js';
import { generateIdentity, identityFromSeed, verifySignature } from './identity.js';
import { loadFileIdentity } from './identity-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pm12-identity-'));
  dirs.push(d);
  return d;
};

describe('identity', () => {
  it('the signaling server derives the same key ids as core', () => {
    for (let i = 0; i < 50; i++) {
      const { publicKey } = generateIdentity();
      expect(keyDerivedId(publicKey)).toBe(derivePeerId(publicKey));
    }
  });

  it('core and the signaling protocol agree on canonical peer ids', () => {
    const ids = ['a', 'h1', 'tab-7', 'a.b_c', 'x'.repeat(64), 'x'.repeat(65), '', 'H1', 'h1 ', '-a'];
    ids.push('\uff481', 'h1\u200b', '\u04bb1', 'é', generateIdentity().id);
    for (const id of ids) expect([id, signalCanonical(id)]).toEqual([id, isCanonicalPeerId(id)]);
  });

  it('uses Node crypto in Node, which agrees with noble both ways (RFC 8032 test vector 1)', () => {
    const node = ed25519Runtime();
    expect(node.kind).toBe('node');
    // RFC 8032 section 7.1, TEST 1: empty message.
    const seed = Uint8Array.from(
      Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
    );
    const pk = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    const sig =
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    for (const impl of [node, nobleEd25519]) {
      expect(Buffer.from(impl.publicKey(seed)).toString('hex')).toBe(pk);
      expect(Buffer.from(impl.sign(seed, new Uint8Array(0))).toString('hex')).toBe(sig);
    }
    const data = Uint8Array.of(1, 2, 3);
    expect(node.verify(nobleEd25519.publicKey(seed), data, nobleEd25519.sign(seed, data))).toBe(true);
    expect(nobleEd25519.verify(node.publicKey(seed), data, node.sign(seed, data))).toBe(true);
  });

  it('derives the id from the key; a signature verifies only for its data and key', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    expect(a.id).not.toBe(b.id);
    expect(keyMatchesId(a.id, a.publicKey)).toBe(true);
    expect(identityFromSeed(a.seed).id).toBe(a.id);
    const data = new TextEncoder().encode('alive k… 7');
    const sig = a.sign(data);
    expect(sig.length).toBe(64);
    expect(verifySignature(a.publicKey, data, sig)).toBe(true);
    expect(verifySignature(b.publicKey, data, sig)).toBe(false);
    const flipped = sig.slice();
    flipped[10] = (flipped[10] as number) ^ 1;
    for (const impl of [ed25519Runtime(), nobleEd25519]) {
      expect(impl.verify(a.publicKey, data, flipped)).toBe(false);
      expect(impl.verify(a.publicKey, Uint8Array.of(9), sig)).toBe(false);
      expect(impl.verify(new Uint8Array(32).fill(0xff), data, sig)).toBe(false); // not a point
      expect(impl.verify(a.publicKey, data, sig.subarray(0, 63))).toBe(false);
    }
  });

  it('keeps an edge peer identity in a 0600 file and gets it back on restart', () => {
    const path = join(tmp(), 'sub', 'identity.key');
    const first = loadFileIdentity(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(loadFileIdentity(path).id).toBe(first.id);
  });

  it('refuses an identity file others can read, or one that holds no key', () => {
    const dir = tmp();
    const open = join(dir, 'open.key');
    writeFileSync(open, `${'ab'.repeat(32)}\n`);
    chmodSync(open, 0o644);
    expect(() => loadFileIdentity(open)).toThrow(/readable by others/);
    const junk = join(dir, 'junk.key');
    writeFileSync(junk, 'not a key\n', { mode: 0o600 });
    expect(() => loadFileIdentity(junk)).toThrow(/hex seed/);
  });
});
