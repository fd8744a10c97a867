/**
 * Keeps a tab's identity across reloads in IndexedDB, per origin (IndexedDB is per origin) and
 * room, with one **slot** per concurrently open tab: two tabs of one browser profile must be two
 * peers (two ids), while a reloaded tab must get its old id back (its peers then see it return
 * rather than a stranger join). A tab claims the slot it held before a reload (remembered in
 * `sessionStorage`, which is per tab) or else the lowest free slot with an exclusive Web Lock
 * (`navigator.locks`, named per room and slot) held until the page goes away; the browser releases
 * it when the tab closes or reloads, so the reloaded page finds its slot free again. Locks are the
 * only primitive that is both shared by every tab of the profile and released by the browser itself
 * when a tab dies (a flag in storage would stay "taken" after a crash). Without Web Locks or
 * IndexedDB (old browsers, private modes that refuse storage) the tab gets a fresh identity that
 * is not kept: correct, only not stable.
 */
import { SEED_BYTES } from './ed25519.js';
import { generateIdentity, identityFromSeed, type KeyPairIdentity } from './identity.js';

/** Database and object store names (one record per `room` + slot). */
const DB_NAME = 'pulsemesh-identity';
const STORE = 'keys';
/** Most concurrent tabs with a kept identity per room; more tabs get fresh, unkept ones. */
export const IDENTITY_SLOTS_MAX = 32;

/** A stored identity and the slot it holds. */
export interface TabIdentity extends KeyPairIdentity {
  /** The slot claimed (0 for the first tab), or -1 when the identity is not kept. */
  readonly slot: number;
  /** Gives the slot up (a page does not need to: closing or reloading it releases the lock). */
  release(): void;
}

interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB_NAME, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE);
  return request(r);
}

/** Takes slot `slot` of `room` if free (its lock is then held until `release`); else undefined. */
async function tryClaim(
  locks: LockManagerLike,
  room: string,
  slot: number,
): Promise<(() => void) | undefined> {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const got = await new Promise<boolean>((resolve) => {
    void locks.request(`pulsemesh-identity:${room}:${slot}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? undefined : held;
    });
  });
  return got ? release : undefined;
}

/** Key in `sessionStorage` (per tab, kept across reloads) of the slot this tab last held. */
const slotKey = (room: string): string => `pulsemesh-identity-slot:${room}`;

/** The slot this tab held before a reload, if `sessionStorage` remembers a valid one. */
function rememberedSlot(room: string): number | undefined {
  try {
    const slot = Number(globalThis.sessionStorage?.getItem(slotKey(room)) ?? NaN);
    return Number.isInteger(slot) && slot >= 0 && slot < IDENTITY_SLOTS_MAX ? slot : undefined;
  } catch {
    return undefined; // storage refused (private mode, sandboxed frame): lowest free slot only
  }
}

function rememberSlot(room: string, slot: number): void {
  try {
    globalThis.sessionStorage?.setItem(slotKey(room), String(slot));
  } catch {
    // Not remembered: a reload takes the lowest free slot.
  }
}

/**
 * Claims the slot this tab held before a reload (remembered in `sessionStorage`) if it is free,
 * else the lowest free slot of `room`, and remembers it; -1 when none is free. Without the memory
 * a tab reloaded after a lower-slot tab closed would take that lower slot, i.e. the closed tab's id.
 * A duplicated tab copies `sessionStorage`, finds the slot held by its original and takes another.
 */
async function claimSlot(
  locks: LockManagerLike,
  room: string,
): Promise<{ slot: number; release: () => void }> {
  const remembered = rememberedSlot(room);
  const rest = [...Array(IDENTITY_SLOTS_MAX).keys()].filter((slot) => slot !== remembered);
  const order = remembered === undefined ? rest : [remembered, ...rest];
  for (const slot of order) {
    const release = await tryClaim(locks, room, slot);
    if (release === undefined) continue;
    rememberSlot(room, slot);
    return { slot, release };
  }
  return { slot: -1, release: () => undefined };
}

async function loadOrCreate(room: string, slot: number): Promise<KeyPairIdentity> {
  const db = await openDb();
  try {
    const key = `${room}\u0000${slot}`;
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const seed = (await request(store.get(key))) as unknown;
    if (seed instanceof Uint8Array && seed.length === SEED_BYTES) return identityFromSeed(seed);
    const fresh = generateIdentity();
    await request(store.put(fresh.seed, key));
    return fresh;
  } finally {
    db.close();
  }
}

/**
 * This tab's identity for `room`: the one kept in its slot, or a new one stored there. Never
 * rejects: when storage or locks are unavailable it resolves to a fresh identity (slot -1).
 */
export async function loadTabIdentity(room: string): Promise<TabIdentity> {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  const locks = nav?.locks;
  if (locks === undefined || typeof indexedDB === 'undefined') return unkept();
  const { slot, release } = await claimSlot(locks, room);
  if (slot < 0) return unkept();
  try {
    return { ...(await loadOrCreate(room, slot)), slot, release };
  } catch (e) {
    release();
    console.warn('pulsemesh: identity not kept (IndexedDB failed):', e);
    return unkept();
  }
}

function unkept(): TabIdentity {
  return { ...generateIdentity(), slot: -1, release: () => undefined };
}
