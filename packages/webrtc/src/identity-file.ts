/**
 * Keeps an edge peer's identity in a file (Node only; import `@pulsemesh/webrtc/identity-file`):
 * the 32-byte private key seed, hex, in a file created with mode 0600 (only its owner can read it).
 * A file that other users may read or write is refused, like ssh refuses a private key with open
 * permissions: someone else who holds the key can be this peer.
 */
import { mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SEED_BYTES } from './ed25519.js';
import { generateIdentity, identityFromSeed, type KeyPairIdentity } from './identity.js';

/** The identity kept in `path`; created (mode 0600, parent directories 0700) when missing. */
export function loadFileIdentity(path: string): KeyPairIdentity {
  let text: string | undefined;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0)
      throw new Error(
        `identity file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== undefined) {
    const hex = text.trim();
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new Error(`identity file ${path} does not hold a 32-byte hex seed`);
    return identityFromSeed(Uint8Array.from(hex.match(/../g) as string[], (h) => parseInt(h, 16)));
  }
  const fresh = generateIdentity();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // `wx`: never overwrite a file that appeared meanwhile (another process won the race).
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadFileIdentity(path);
    throw e;
  }
  try {
    writeSync(fd, `${Buffer.from(fresh.seed.subarray(0, SEED_BYTES)).toString('hex')}\n`);
  } finally {
    closeSync(fd);
  }
  return fresh;
}
