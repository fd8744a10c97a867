/**
 * Socket slots per client address (decisions 0047, 0065): each address key has
 * `socketsPerIpMax` numbered slots, and a socket holds one from its upgrade until its TCP socket
 * closes. A new socket takes the lowest free slot, so a socket that replaces a closed one of
 * its address takes that socket's number, and with it whatever is kept per slot (the relay
 * floors, `Relays`): closing and reopening sockets brings no fresh state, and one address has
 * at most `socketsPerIpMax` of it per target however its sockets come and go.
 */

/** The slots held per address key. */
export class AddressSlots {
  readonly #held = new Map<string, Set<number>>();
  readonly #slotsMax: number;

  constructor(slotsMax: number) {
    this.#slotsMax = slotsMax;
  }

  /** Addresses holding a slot now. */
  get size(): number {
    return this.#held.size;
  }

  /** The lowest free slot of `key`, now held, or undefined when all `slotsMax` are held. */
  take(key: string): number | undefined {
    const held = this.#held.get(key) ?? new Set<number>();
    for (let slot = 0; slot < this.#slotsMax; slot++) {
      if (held.has(slot)) continue;
      held.add(slot);
      this.#held.set(key, held);
      return slot;
    }
    return undefined;
  }

  /** Gives `slot` of `key` back. */
  release(key: string, slot: number): void {
    const held = this.#held.get(key);
    held?.delete(slot);
    if (held?.size === 0) this.#held.delete(key);
  }
}
