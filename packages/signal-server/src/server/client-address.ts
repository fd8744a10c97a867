/**
 * The client address every per-IP bound counts (sockets, joins, relays; decisions 0047, 0055):
 * the socket's peer address, or behind trusted proxies the `X-Forwarded-For` entry the nearest
 * trusted proxy appended. Addresses are normalized so one client is one key: IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack listener reports) is the IPv4 address, and IPv6 is in
 * its canonical lower-case compressed form. The bounds count an IPv6 client by its /64 prefix
 * (`addressKey`, decision 0060): one host commonly holds a whole /64 (SLAAC privacy addresses);
 * 6to4, Teredo and NAT64 addresses by the IPv4 address they carry (decision 0065).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Where the address came from: the socket, the header, or the socket because the header was unusable. */
export type AddressSource = 'socket' | 'forwarded' | 'forwarded-invalid';

/** A resolved client address. */
export interface ClientAddress {
  address: string;
  /** What every per-IP bound counts: `addressKey(address)` (an IPv6 address's /64, or its IPv4). */
  key: string;
  source: AddressSource;
}

/** Leading 16-bit groups of an IPv6 address that name its /64 prefix. */
const PREFIX_GROUPS = 4;

/**
 * The key every per-IP bound counts `address` under (decisions 0060, 0065): an IPv4 address is
 * itself; an IPv6 address that carries its client's public IPv4 address is keyed by that IPv4
 * address, as the IPv4 host would be (`embeddedIPv4`: 6to4, Teredo, NAT64); any other IPv6
 * address is its /64 prefix, canonical (`2001:db8::7` → `2001:db8::/64`), since one host commonly
 * holds the whole /64. A key is its own key (a 6to4 /64 key of a 0060 instance becomes its IPv4
 * address). Anything else (`unknown`) is returned as is.
 */
export function addressKey(address: string): string {
  const prefixKey = address.endsWith('/64') ? address.slice(0, -3) : undefined;
  const v6 = normalizeAddress(prefixKey ?? address);
  if (v6 === undefined) return address;
  if (isIPv4(v6)) return v6;
  const groups = groupsOf(v6);
  const v4 = embeddedIPv4(groups);
  if (v4 !== undefined && (prefixKey === undefined || groups[0] === SIX_TO_FOUR)) return v4;
  if (prefixKey !== undefined) return address;
  const prefix = [...groups.slice(0, PREFIX_GROUPS), 0, 0, 0, 0].map((g) => g.toString(16)).join(':');
  return `${new URL(`http://[${prefix}]/`).hostname.slice(1, -1)}/64`;
}

/** 6to4 (RFC 3056): `2002:AABB:CCDD::/48` belongs to the IPv4 host AA.BB.CC.DD. */
const SIX_TO_FOUR = 0x2002;
/** Teredo (RFC 4380): `2001:0:server:server:flags:~port:~client:~client`. */
const TEREDO = 0x2001;
/** NAT64 / SIIT well-known prefix (RFC 6052): `64:ff9b::a.b.c.d`, the IPv4 client translated. */
const NAT64 = [0x64, 0xff9b, 0, 0, 0, 0];

/**
 * The public IPv4 address an IPv6 address of these forms stands for, or undefined: 6to4 (bits
 * 16-47); Teredo (the last 32 bits, obfuscated: XOR 0xffffffff; the client's public address as
 * its NAT maps it, so every Teredo client behind one NAT shares a key, as its IPv4 NAT-mates do;
 * the mapped port is not part of the key, since a client gets a new one per UDP socket); NAT64's
 * well-known prefix (the last 32 bits). A network-specific NAT64 prefix cannot be told from a
 * native one and stays keyed by its /64.
 */
function embeddedIPv4(groups: readonly number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, , , , g6 = 0, g7 = 0] = groups;
  if (g0 === SIX_TO_FOUR) return dotted(g1, g2);
  if (g0 === TEREDO && g1 === 0) return dotted(g6 ^ 0xffff, g7 ^ 0xffff);
  if (NAT64.every((g, i) => groups[i] === g)) return dotted(g6, g7);
  return undefined;
}

function dotted(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The eight 16-bit groups of a canonical IPv6 address (no embedded dotted quad). */
function groupsOf(v6: string): number[] {
  const [head = '', tail = ''] = v6.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = v6.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.map((g) => parseInt(g, 16));
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
  return dotted(parseInt(mapped[1] as string, 16), parseInt(mapped[2] as string, 16));
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
