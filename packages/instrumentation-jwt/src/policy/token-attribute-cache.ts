/**
 * The attributes of recently seen tokens, so that a token presented on many requests is pseudonymized and
 * redacted once. Bounded: at most {@link TOKEN_CACHE_ENTRIES} tokens, least recently used first out, and
 * tokens longer than {@link MAX_CACHED_TOKEN_LENGTH} are never kept. Keyed by the token string the process
 * already holds; nothing in it leaves the process.
 *
 * An entry remembers whether it was made with a header and with claims: a JWE whose decryption failed gives no
 * claims, the same JWE decrypted gives them, and each is described as it was seen.
 */
import { LRUCache } from 'lru-cache';
import type { AuditEvent } from '../events/audit-event';
import type { RedactionPolicy } from './claim-policy';
import { tokenAttributes, type AuditAttributes } from './redaction';

export const TOKEN_CACHE_ENTRIES = 1024;
/** Longer tokens (an attacker's 1 MiB token, say) are described every time rather than held. */
export const MAX_CACHED_TOKEN_LENGTH = 8 * 1024;

interface Entry {
  readonly attributes: Readonly<AuditAttributes>;
  readonly header: boolean;
  readonly claims: boolean;
}

function frozen(attributes: AuditAttributes): Readonly<AuditAttributes> {
  for (const value of Object.values(attributes)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(attributes);
}

export class TokenAttributeCache {
  private readonly entries = new LRUCache<string, Entry>({ max: TOKEN_CACHE_ENTRIES });

  constructor(private readonly policy: RedactionPolicy) {}

  /** The token attributes of the event's token; shared and frozen when cached. */
  of({ token, header, claims }: AuditEvent): Readonly<AuditAttributes> {
    if (token === undefined || token.length > MAX_CACHED_TOKEN_LENGTH) return tokenAttributes(token, header, claims, this.policy);
    const entry = this.entries.get(token);
    if (entry !== undefined && entry.header === (header !== undefined) && entry.claims === (claims !== undefined)) return entry.attributes;
    const attributes = frozen(tokenAttributes(token, header, claims, this.policy));
    this.entries.set(token, { attributes, header: header !== undefined, claims: claims !== undefined });
    return attributes;
  }
}
