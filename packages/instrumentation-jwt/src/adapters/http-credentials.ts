/**
 * Finding credentials in an incoming request: the Authorization header, then the configured headers, cookies
 * and query parameters. A request with none costs one header lookup and one `indexOf('?')`; a query is read
 * pair by pair, its first {@link MAX_QUERY_PAIRS} pairs only, and a value is decoded only under a token parameter's name.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Credential } from '../events/request-event';

export interface CredentialSources {
  /** Lower-case header names holding a token (with or without a `Bearer ` prefix). */
  readonly headers: readonly string[];
  readonly cookies: readonly string[];
  /** Lower-case query parameter names holding a token, matched case-insensitively and with a `[]` suffix. */
  readonly queryParams: readonly string[];
}

const COMPACT_JWT =
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$|^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BEARER = /^bearer\s+/i;

/** The compact JWT in a credential value, if it holds one. */
function jwtIn(value: string): string | undefined {
  const candidate = value.replace(BEARER, '').trim();
  return COMPACT_JWT.test(candidate) ? candidate : undefined;
}

function credential(source: Credential['source'], name: string, value: string, sent = value): Credential {
  const token = source === 'authorization' && !BEARER.test(value) ? undefined : jwtIn(value);
  const found: Credential = token ? { source, name, value, token } : { source, name, value };
  return sent === value ? found : { ...found, sent };
}

/** Query pairs read for credentials: a query of thousands of pairs costs no more than its first ones. */
export const MAX_QUERY_PAIRS = 64;

/** A query parameter's name as compared with the configured ones: decoded, lower-case, without a `[]` suffix. */
function normalizedName(raw: string): string {
  let name = raw;
  if (name.includes('%') || name.includes('+')) {
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      return '';
    }
  }
  name = name.toLowerCase();
  return name.endsWith('[]') ? name.slice(0, -2) : name;
}

/**
 * The query's `name=value` pairs (the first {@link MAX_QUERY_PAIRS}) whose name is a token parameter,
 * matched case-insensitively and with or without a `[]` suffix, each decoded as URLSearchParams decodes it
 * and as written in the URL (which other instrumentations copy into `url.query`), grouped in `names` order.
 */
function queryCredentials(query: string, names: readonly string[]): Credential[] {
  let byName: Map<string, Credential[]> | undefined;
  let from = 0;
  // The next '=' at or after `from`, searched forward only: the whole query is scanned at most once.
  let eq = -1;
  for (let pairs = 0; from <= query.length && pairs < MAX_QUERY_PAIRS; pairs += 1) {
    const amp = query.indexOf('&', from);
    const to = amp < 0 ? query.length : amp;
    if (eq < from) {
      const next = query.indexOf('=', from);
      eq = next < 0 ? query.length : next;
    }
    if (eq > from && eq < to - 1) {
      const name = normalizedName(query.slice(from, eq));
      if (names.includes(name)) {
        const sent = query.slice(eq + 1, to);
        const [decoded] = new URLSearchParams(`v=${sent}`);
        const value = decoded?.[1];
        if (value) {
          byName ??= new Map();
          const list = byName.get(name) ?? [];
          list.push(credential('query', name, value, sent));
          byName.set(name, list);
        }
      }
    }
    if (amp < 0) break;
    from = amp + 1;
  }
  return byName ? names.flatMap((name) => byName.get(name) ?? []) : [];
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function cookieValues(header: string, names: readonly string[]): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (names.includes(name))
      found.push([
        name,
        pair
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      ]);
  }
  return found;
}

export function credentialsOf(
  headers: IncomingHttpHeaders,
  url: string | undefined,
  sources: CredentialSources,
): Credential[] {
  const found: Credential[] = [];
  const authorization = headerValue(headers, 'authorization');
  if (authorization) found.push(credential('authorization', 'authorization', authorization));
  for (const name of sources.headers) {
    const value = headerValue(headers, name);
    if (value) found.push(credential('header', name, value));
  }
  if (sources.cookies.length > 0) {
    const cookie = headerValue(headers, 'cookie');
    if (cookie)
      for (const [name, value] of cookieValues(cookie, sources.cookies))
        if (value) found.push(credential('cookie', name, value));
  }
  const queryStart = url?.indexOf('?') ?? -1;
  if (queryStart >= 0 && sources.queryParams.length > 0) {
    const hash = url!.indexOf('#', queryStart);
    found.push(...queryCredentials(url!.slice(queryStart + 1, hash < 0 ? undefined : hash), sources.queryParams));
  }
  return found;
}
