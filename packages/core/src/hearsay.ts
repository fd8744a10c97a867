/**
 * Relayed acks are hearsay (decision 0028): a relay that answers a relay check with an ack only
 * says the accused answered its ping. Each relay that did so for a member at its incarnation is
 * remembered here, and the next relay check about that member asks other relays: a liar relay
 * that acks every check it is asked in then disputes one check per verdict, not every one. A
 * live accused gives a first-hand sign that ends this (its refutation, a newer incarnation, which
 * it sends once a relay's ping brought it the verdict).
 */
import type { Member } from './member.js';
import type { PeerId } from './types.js';

/** Relays remembered per member (the first ones; a relay check asks `indirectChecks` of them). */
export const VOUCHERS_KEPT_MAX = 8;

interface Vouchers {
  incarnation: number;
  relays: PeerId[];
}

// Per member (each detector has its own members), gone with it: no table of its own to bound.
const vouchers = new WeakMap<Member, Vouchers>();

/** Notes that `relay` answered a relay check about `m` with a relayed ack, at `m`'s incarnation. */
export function noteVoucher(m: Member, relay: PeerId): void {
  let v = vouchers.get(m);
  if (v === undefined || v.incarnation !== m.incarnation) {
    v = { incarnation: m.incarnation, relays: [] };
    vouchers.set(m, v);
  }
  if (v.relays.length < VOUCHERS_KEPT_MAX && !v.relays.includes(relay)) v.relays.push(relay);
}

/** Whether `relay` vouched for `m` (a relayed ack) at `m`'s current incarnation. */
export function vouchedFor(m: Member, relay: PeerId): boolean {
  const v = vouchers.get(m);
  return v !== undefined && v.incarnation === m.incarnation && v.relays.includes(relay);
}
