/**
 * Which address a request came from, as express's `trust proxy` decides it: the socket's peer, unless the
 * peer is a trusted proxy, in which case the address it forwarded (the rightmost `X-Forwarded-For` entry),
 * and so on leftwards while the address reached is trusted too. `X-Forwarded-For` is written by the client
 * as much as by proxies: without trusted proxies it is never believed, so a client cannot dodge a detector
 * keyed by its address, blame another address, or appear to come from many.
 *
 * Trusted proxies are a hop count (the nearest N hops, the peer being the first) or a list of addresses and
 * CIDR ranges, with the names `loopback`, `linklocal` and `uniquelocal` for their ranges.
 */
import { BlockList, isIP } from 'node:net';

export interface TrustedProxies {
  /** Trust the nearest this many hops; undefined when a list is given. */
  readonly hops?: number;
  /** Trust the hops whose address is in this list. */
  readonly list?: BlockList;
}

/** No proxy is trusted: the client address is the socket's peer. */
const NO_TRUSTED_PROXIES: TrustedProxies = Object.freeze({ hops: 0 });

/** The named ranges, as express and proxy-addr name them. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const TRUSTED_PROXIES_EXPECTED =
  'a hop count (a whole number, 0 or more) or an array of IP addresses, CIDR ranges (10.0.0.0/8) and "loopback", "linklocal" or "uniquelocal"';

const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Adds one address, range or name to the list; false when it is none of these. */
function addEntry(list: BlockList, entry: string): boolean {
  const named = NAMED_RANGES[entry];
  if (named) {
    for (const range of named) addEntry(list, range);
    return true;
  }
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return false;
  if (slash < 0) {
    list.addAddress(address, family(address));
    return true;
  }
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (version === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, family(address));
  return true;
}

/** The trusted proxies a config value names; `fail` is called (and throws) when it names none validly. */
export function resolveTrustedProxies(value: unknown, fail: (expected: string, got: unknown) => never): TrustedProxies {
  if (value === undefined) return NO_TRUSTED_PROXIES;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) fail(TRUSTED_PROXIES_EXPECTED, value);
    return value === 0 ? NO_TRUSTED_PROXIES : Object.freeze({ hops: value });
  }
  if (!Array.isArray(value)) return fail(TRUSTED_PROXIES_EXPECTED, value);
  const list = new BlockList();
  for (const entry of value) {
    if (typeof entry !== 'string' || !addEntry(list, entry.trim())) fail(TRUSTED_PROXIES_EXPECTED, entry);
  }
  return Object.freeze({ list });
}

function isTrusted(trust: TrustedProxies, address: string, hop: number): boolean {
  if (trust.list) return isIP(address) !== 0 && trust.list.check(address, family(address));
  return hop < (trust.hops ?? 0);
}

/**
 * The client's address: `peer` unless it is trusted, then the `X-Forwarded-For` entries from the right while
 * the address reached is trusted. An entry that is not an IP address ends the walk at the last one that was.
 */
export function clientAddress(
  trust: TrustedProxies,
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
): string | undefined {
  if (peer === undefined || forwardedFor === undefined || !isTrusted(trust, peer, 0)) return peer;
  const header = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
  let address = peer;
  let hop = 0;
  let end = header.length;
  while (end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const entry = header.slice(comma + 1, end).trim();
    end = Math.max(comma, 0);
    if (entry === '') continue;
    if (isIP(entry) === 0) return address;
    address = entry;
    hop += 1;
    if (!isTrusted(trust, address, hop)) return address;
  }
  return address;
}
