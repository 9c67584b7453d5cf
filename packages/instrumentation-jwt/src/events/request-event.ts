/**
 * The normalized audit of one HTTP request that carried credentials: what the HTTP adapter saw at the door
 * and at the end, and the closed vocabularies of the per-request outcome. Nothing here knows node:http or
 * OpenTelemetry.
 */
import type { Finding } from '../policy/findings';

/** Where a credential was found. */
export const TOKEN_SOURCES = ['authorization', 'cookie', 'header', 'query'] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

/** `jwt.authz.outcome`: what the server did with an authenticated request. */
export const AUTHZ_OUTCOMES = ['allowed', 'denied', 'rejected', 'error'] as const;
export type AuthzOutcome = (typeof AUTHZ_OUTCOMES)[number];

/** The `jwt.findings` values (see policy/findings.ts) raised by the request audit rather than by one operation. */
export const REQUEST_FINDINGS = [
  'unverified_bearer',
  'scope_insufficient',
  'scope_denied_despite_grant',
] as const satisfies readonly Finding[];
export type RequestFinding = (typeof REQUEST_FINDINGS)[number];

/** A credential seen in the request. `token` is set only when the value has the shape of a compact JWT. */
export interface Credential {
  readonly source: TokenSource;
  /** Header, cookie or query parameter name (`authorization` for the Authorization header). */
  readonly name: string;
  readonly token?: string;
  /** The value (a query parameter's decoded), so it can be scrubbed from other instrumentations' attributes. Never exported. */
  readonly value: string;
  /** A query parameter's value as written in the URL, when percent-encoding makes it differ from `value`. Never exported. */
  readonly sent?: string;
}

/** What the HTTP adapter knows when a request arrives. */
export interface RequestStart {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly scheme: 'http' | 'https';
  readonly clientAddress?: string;
  readonly peerAddress?: string;
  readonly peerPort?: number;
  readonly userAgent?: string;
  readonly serverPort?: number;
  readonly credentials: readonly Credential[];
  /** Every compact JWT written anywhere in the request target or a header value that is not, whole, a token credential. Never exported. */
  readonly embeddedTokens: readonly string[];
  /**
   * True when another instrumentation wraps this server's request handling (instrumentation-http does), so it
   * owns the server span; false when tokentrail must make one itself.
   */
  readonly handledElsewhere: boolean;
}

/** What the HTTP adapter knows when the response is done. */
export interface RequestEnd {
  readonly statusCode: number;
  /** The matched route template, when the framework exposes it on the request (express does). */
  readonly route?: string;
  /** True when the connection closed before the response finished. */
  readonly aborted: boolean;
}
