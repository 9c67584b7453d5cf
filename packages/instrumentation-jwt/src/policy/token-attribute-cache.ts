/**
 * The attributes of recently seen tokens, so that a token presented on many requests is pseudonymized and
 * redacted once. Bounded: at most {@link TOKEN_CACHE_ENTRIES} tokens and {@link TOKEN_CACHE_CHARACTERS}
 * characters of tokens in all, least recently used first out; a token longer than
 * {@link MAX_CACHED_TOKEN_LENGTH} is described every time. A forged 14 KB token sent over and over is cached
 * like any other, so its fingerprint (an HMAC over all of it) is computed once. Nothing in it leaves the process.
 *
 * Keyed by the token's length and last {@link KEY_CHARACTERS} characters (its signature or tag), not the whole
 * token: a map hashes every character of its key on each lookup (about 1 µs a kilobyte). An entry holds its
 * token and is used only for that very token; two tokens sharing a key take the entry in turn.
 *
 * An entry remembers whether it was made with a header and with claims: a JWE whose decryption failed gives no
 * claims, the same JWE decrypted gives them, and each is described as it was seen.
 */
import { LRUCache } from 'lru-cache';
import type { AuditEvent } from '../events/audit-event';
import type { RedactionPolicy } from './claim-policy';
import { tokenAttributes, type AuditAttributes } from './redaction';

export const TOKEN_CACHE_ENTRIES = 1024;
/** The most token characters held in all: 1,024 tokens of 4 KiB, or fewer larger ones. */
export const TOKEN_CACHE_CHARACTERS = 4 * 1024 * 1024;
/** Longer tokens (an attacker's 1 MiB token, say) are described every time rather than held. */
export const MAX_CACHED_TOKEN_LENGTH = 64 * 1024;

/** Characters from a token's end that, with its length, make its cache key. */
const KEY_CHARACTERS = 64;

const keyOf = (token: string): string =>
  token.length <= KEY_CHARACTERS ? token : `${token.length}.${token.slice(-KEY_CHARACTERS)}`;

interface Entry {
  readonly token: string;
  readonly attributes: Readonly<AuditAttributes>;
  readonly header: boolean;
  readonly claims: boolean;
}

function frozen(attributes: AuditAttributes): Readonly<AuditAttributes> {
  for (const value of Object.values(attributes)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(attributes);
}

export class TokenAttributeCache {
  private readonly entries = new LRUCache<string, Entry>({
    max: TOKEN_CACHE_ENTRIES,
    maxSize: TOKEN_CACHE_CHARACTERS,
    sizeCalculation: (entry) => entry.token.length,
  });

  constructor(private readonly policy: RedactionPolicy) {}

  /** The token attributes of the event's token; shared and frozen when cached. */
  of({ token, header, claims }: AuditEvent): Readonly<AuditAttributes> {
    if (token === undefined || token.length > MAX_CACHED_TOKEN_LENGTH)
      return tokenAttributes(token, header, claims, this.policy);
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry?.token === token && entry.header === (header !== undefined) && entry.claims === (claims !== undefined))
      return entry.attributes;
    const attributes = frozen(tokenAttributes(token, header, claims, this.policy));
    this.entries.set(key, { token, attributes, header: header !== undefined, claims: claims !== undefined });
    return attributes;
  }
}
