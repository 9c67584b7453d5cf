/**
 * Finding credentials in an incoming request: the Authorization header, then the configured headers, cookies
 * and query parameters. A request with none costs one header lookup and one `indexOf('?')`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Credential } from '../events/request-event';

export interface CredentialSources {
  /** Lower-case header names holding a token (with or without a `Bearer ` prefix). */
  readonly headers: readonly string[];
  readonly cookies: readonly string[];
  readonly queryParams: readonly string[];
}

const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$|^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
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

/**
 * The query's `name=value` pairs whose name is a token parameter, each decoded as URLSearchParams decodes it
 * and as written in the URL (which other instrumentations copy into `url.query`), grouped in `names` order.
 */
function queryCredentials(query: string, names: readonly string[]): Credential[] {
  const byName = new Map<string, Credential[]>();
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const [decoded] = new URLSearchParams(pair);
    const [name, value] = decoded ?? ['', ''];
    if (!value || !names.includes(name)) continue;
    const list = byName.get(name) ?? [];
    list.push(credential('query', name, value, pair.slice(eq + 1)));
    byName.set(name, list);
  }
  return names.flatMap((name) => byName.get(name) ?? []);
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
    if (names.includes(name)) found.push([name, pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')]);
  }
  return found;
}

export function credentialsOf(headers: IncomingHttpHeaders, url: string | undefined, sources: CredentialSources): Credential[] {
  const found: Credential[] = [];
  const authorization = headerValue(headers, 'authorization');
  if (authorization) found.push(credential('authorization', 'authorization', authorization));
  for (const name of sources.headers) {
    const value = headerValue(headers, name);
    if (value) found.push(credential('header', name, value));
  }
  if (sources.cookies.length > 0) {
    const cookie = headerValue(headers, 'cookie');
    if (cookie) for (const [name, value] of cookieValues(cookie, sources.cookies)) if (value) found.push(credential('cookie', name, value));
  }
  const queryStart = url?.indexOf('?') ?? -1;
  // Parse the query only when it names a token parameter, or is percent-encoded (and so might, disguised).
  const query = queryStart >= 0 && sources.queryParams.length > 0 ? url!.slice(queryStart + 1) : '';
  if (query && (query.includes('%') || sources.queryParams.some((name) => query.includes(`${name}=`)))) {
    found.push(...queryCredentials(query, sources.queryParams));
  }
  return found;
}
