// The tab identity store in real Chromium: IndexedDB plus Web Locks slots.
import { expect } from '@open-wc/testing';
import { keyMatchesId } from '@pulsemesh/core';
import { ed25519Runtime } from './ed25519.js';
import { loadTabIdentity } from './identity-store.js';

describe('tab identity store', () => {
  it('signs with noble in the browser (WebCrypto Ed25519 is async)', () => {
    expect(ed25519Runtime().kind).to.equal('noble');
  });

  it('gives two open tabs two ids, and a reloaded tab its old id back', async () => {
    const room = `room-${Math.random().toString(36).slice(2)}`;
    const first = await loadTabIdentity(room); // tab 1 holds slot 0
    const second = await loadTabIdentity(room); // tab 2 (tab 1 still open) gets slot 1
    expect(first.slot).to.equal(0);
    expect(second.slot).to.equal(1);
    expect(first.id).to.not.equal(second.id);
    expect(keyMatchesId(first.id, first.publicKey)).to.equal(true);
    first.release(); // tab 1 reloads: the browser drops its lock
    await new Promise((r) => setTimeout(r, 20));
    const reloaded = await loadTabIdentity(room);
    expect(reloaded.slot).to.equal(0);
    expect(reloaded.id).to.equal(first.id);
    const other = await loadTabIdentity(`${room}-other`); // another room: another key
    expect(other.slot).to.equal(0);
    expect(other.id).to.not.equal(first.id);
    for (const t of [second, reloaded, other]) t.release();
  });
});
