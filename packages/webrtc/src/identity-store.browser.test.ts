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

  it('gives a tab reloaded after a lower-slot tab closed its own id back, not the closed tab’s', async () => {
    // One page stands for two tabs: sessionStorage (per tab) holds the slot of the last claim.
    const room = `room-${Math.random().toString(36).slice(2)}`;
    const tabA = await loadTabIdentity(room); // slot 0
    const tabB = await loadTabIdentity(room); // slot 1, remembered as this tab's slot
    expect([tabA.slot, tabB.slot]).to.deep.equal([0, 1]);
    expect(sessionStorage.getItem(`pulsemesh-identity-slot:${room}`)).to.equal('1');
    tabA.release(); // tab A closes: slot 0 is free
    tabB.release(); // tab B reloads
    await new Promise((r) => setTimeout(r, 20));
    const reloaded = await loadTabIdentity(room);
    expect(reloaded.slot).to.equal(1);
    expect(reloaded.id).to.equal(tabB.id);
    // A new tab (or a duplicate, whose copied memory names a held slot) takes the lowest free one.
    const fresh = await loadTabIdentity(room);
    expect(fresh.slot).to.equal(0);
    expect(fresh.id).to.equal(tabA.id);
    for (const t of [reloaded, fresh]) t.release();
  });

  it('ignores a remembered slot that is not a valid slot number', async () => {
    const room = `room-${Math.random().toString(36).slice(2)}`;
    for (const bad of ['-1', '32', '1.5', 'x']) {
      sessionStorage.setItem(`pulsemesh-identity-slot:${room}`, bad);
      const t = await loadTabIdentity(room);
      expect(t.slot).to.equal(0);
      t.release();
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
