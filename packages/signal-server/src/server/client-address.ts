/**
 * The client address every per-IP bound counts (sockets, joins, relays; decisions 0047, 0055):
 * the socket's peer address, or behind trusted proxies the `X-Forwarded-For` entry the nearest
 * trusted proxy appended. Addresses are normalized so one client is one key: IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack listener reports) is the IPv4 address, and IPv6 is in
 * its canonical lower-case compressed form. The bounds count an IPv6 client by its /64 prefix
 * (`addressKey`, decision 0060): one host commonly holds a whole /64 (SLAAC privacy addresses).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Where the address came from: the socket, the header, or the socket because the header was unusable. */
export type AddressSource = 'socket' | 'forwarded' | 'forwarded-invalid';

/** A resolved client address. */
export interface ClientAddress {
  address: string;
  /** What every per-IP bound counts: `addressKey(address)` (an IPv6 address's /64 prefix). */
  key: string;
  source: AddressSource;
}

/** Leading 16-bit groups of an IPv6 address that name its /64 prefix. */
const PREFIX_GROUPS = 4;

/**
 * The key every per-IP bound counts `address` under (decision 0060): an IPv4 address is itself;
 * an IPv6 address is its /64 prefix, canonical (`2001:db8::7` → `2001:db8::/64`), since one host
 * commonly holds the whole /64. Anything else (a key already, `unknown`) is returned as is.
 */
export function addressKey(address: string): string {
  const v6 = normalizeAddress(address);
  if (v6 === undefined || isIPv4(v6)) return address;
  const [head = '', tail = ''] = v6.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = v6.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const prefix = [...groups.slice(0, PREFIX_GROUPS), '0', '0', '0', '0'].join(':');
  return `${new URL(`http://[${prefix}]/`).hostname.slice(1, -1)}/64`;
}

/**
 * `address` in canonical form, or undefined when it is not an IP address. Accepts what proxies
 * write: a bare IPv4 or IPv6 address, `[v6]`, `[v6]:port` and `v4:port`; drops an IPv6 zone.
 */
export function normalizeAddress(text: string): string | undefined {
  let s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) s = bracketed[1] as string;
  else if (/^[\d.]+:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  s = s.replace(/%.*$/, '');
  if (isIPv4(s)) return s;
  if (!isIPv6(s)) return undefined;
  // The URL parser serializes IPv6 canonically (RFC 5952: lower case, zeros compressed).
  const v6 = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1] as string, 16);
  const lo = parseInt(mapped[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The client address of a request from `socketAddress` with `forwardedFor` (the raw
 * `X-Forwarded-For` value; Node joins repeated headers with commas). `trustedHops` = how many
 * proxies in front of this server append to the header (0: ignore it). The client's address is
 * the entry `trustedHops` from the right: each trusted proxy appended the address it saw, so
 * everything left of that is what the client (or an untrusted hop) wrote and is never used. A
 * header that is missing, too short, or whose entry is not an IP address gives the socket's
 * address, `source: 'forwarded-invalid'` (the caller counts it).
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trustedHops: number,
): ClientAddress {
  const socket = normalizeAddress(socketAddress ?? '') ?? socketAddress ?? 'unknown';
  if (trustedHops <= 0) return keyed(socket, 'socket');
  const header = typeof forwardedFor === 'string' ? forwardedFor : (forwardedFor ?? []).join(',');
  const entries = header.split(',');
  const entry = entries[entries.length - trustedHops];
  const address = entry === undefined ? undefined : normalizeAddress(entry);
  if (address === undefined) return keyed(socket, 'forwarded-invalid');
  return keyed(address, 'forwarded');
}

function keyed(address: string, source: AddressSource): ClientAddress {
  return { address, key: addressKey(address), source };
}

/** `trustProxy` as a hop count: false → 0, true → 1, a number → itself. */
export function trustedHopsOf(trustProxy: boolean | number): number {
  return trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy;
}
