/**
 * The second kind of audit event: one lookup in a remote JSON Web Key Set (an identity provider's JWKS
 * endpoint), served from the client's cache or fetched. Adapters fill a {@link KeySetLookupResult}; policy
 * turns it into attributes and decides whether the set's keys were rotated; sinks write the span and the
 * rotation record. Nothing here knows a library or OpenTelemetry.
 */
import type { ValidationReason } from './audit-event';

/** `jwt.jwks.client`: the library holding the remote key set. */
export const KEY_SET_CLIENTS = ['jose', 'jwks-rsa'] as const;
export type KeySetClient = (typeof KEY_SET_CLIENTS)[number];

/** `jwt.jwks.cache`: `hit` when the lookup was answered from the cached set, `miss` when the set was fetched. */
export const KEY_SET_CACHE_RESULTS = ['hit', 'miss'] as const;
export type KeySetCacheResult = (typeof KEY_SET_CACHE_RESULTS)[number];

/** Known when the lookup starts. */
export interface KeySetLookupStart {
  readonly client: KeySetClient;
  /** The JWKS URL as configured. Only its host, port and path are ever exported. */
  readonly url: string;
}

/** What an adapter knows once the lookup has settled. */
export interface KeySetLookupResult {
  readonly cache: KeySetCacheResult;
  /** HTTP status of the last fetch made during the lookup, when the client exposes it. */
  readonly status?: number;
  /** The keys of the set the client now holds (after any fetch); only their `kid`s and number are read. */
  readonly keys?: readonly unknown[];
  /** Set when the lookup failed: no key for the token, or the set could not be fetched. */
  readonly failure?: {
    readonly reason: Extract<ValidationReason, 'key_not_found' | 'jwks_fetch_failed'>;
    readonly errorType: string;
  };
}

export interface KeySetLookupEvent extends KeySetLookupStart, KeySetLookupResult {
  /** Wall-clock start, milliseconds since the epoch, and duration in milliseconds. */
  readonly startTime: number;
  readonly duration: number;
}
