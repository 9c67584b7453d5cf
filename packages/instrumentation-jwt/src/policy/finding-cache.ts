/**
 * Findings and key facts are computed once per distinct token and key, and kept in bounded caches:
 * - token findings by token fingerprint, operation and verify checks (an LRU of {@link TOKEN_CACHE_SIZE});
 *   the time-dependent findings are recomputed on every use (two comparisons);
 * - key facts by key object identity (a WeakMap: gone with the key), and by content for strings, bytes and
 *   JWKs (two LRUs of {@link STRING_KEY_CACHE_SIZE}), so a key read afresh for every call is measured once;
 * - the key fingerprint with each key's entry.
 * One {@link FindingCache} per resolved configuration.
 */
import { LRUCache } from 'lru-cache';
import type { JsonObject, JwtOperation, VerifyChecks } from '../events/audit-event';
import { mergeFindings, staticTokenFindings, type Finding, type FindingsPolicy } from './findings';
import { keyFindings, measureKey, type MeasuredKey } from './key-facts';
import type { Pseudonymizer } from './pseudonym';

export const TOKEN_CACHE_SIZE = 10_000;
export const STRING_KEY_CACHE_SIZE = 256;

const NONE: readonly Finding[] = Object.freeze([]);

interface KeyEntry {
  readonly measured: MeasuredKey | undefined;
  fingerprint?: string;
}

function checksTag(checks: VerifyChecks | undefined): string {
  return checks === undefined ? '-' : `${+checks.algorithms}${+checks.audience}${+checks.issuer}`;
}

/**
 * Bytes and JWKs are also cached by content: an application that reads its key file on every call (a fresh
 * Buffer each time) would otherwise have its PEM parsed again for every verify.
 */
function contentOf(key: object): string | undefined {
  if (key instanceof Uint8Array)
    return `bytes:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
  if ((key as { kty?: unknown }).kty !== undefined) {
    try {
      return `jwk:${JSON.stringify(key)}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function cached(cache: LRUCache<string, KeyEntry>, id: string, key: unknown): KeyEntry {
  let entry = cache.get(id);
  if (!entry) {
    entry = { measured: measureKey(key) };
    cache.set(id, entry);
  }
  return entry;
}

export interface KeyInsight {
  readonly fingerprint?: string;
  readonly findings: readonly Finding[];
}

/**
 * The caches of one findings policy and pseudonymizer: part of the settings they were resolved with, so a new
 * configuration starts with empty caches and nothing computed under the old one lingers.
 */
export class FindingCache {
  private readonly tokens = new LRUCache<string, readonly Finding[]>({ max: TOKEN_CACHE_SIZE });
  private readonly keyObjects = new WeakMap<object, KeyEntry>();
  private readonly keyStrings = new LRUCache<string, KeyEntry>({ max: STRING_KEY_CACHE_SIZE });
  private readonly keyContents = new LRUCache<string, KeyEntry>({ max: STRING_KEY_CACHE_SIZE });
  /** The token finding lists (shared, one per cached token) an audit record already carried. */
  private readonly carried = new WeakSet<readonly Finding[]>();

  constructor(
    private readonly policy: FindingsPolicy,
    private readonly pseudonymize: Pseudonymizer,
  ) {}

  /** The time-independent findings of a token, in vocabulary order, cached by its fingerprint; computed each time without one. */
  tokenFindings(
    fingerprint: string | undefined,
    input: { header?: JsonObject; claims?: JsonObject; checks?: VerifyChecks; operation: JwtOperation },
  ): readonly Finding[] {
    const { policy, tokens } = this;
    if (fingerprint === undefined) return mergeFindings(staticTokenFindings(input, policy));
    const key = `${fingerprint}|${input.operation}|${checksTag(input.checks)}`;
    let findings = tokens.get(key);
    if (findings === undefined) {
      const computed = mergeFindings(staticTokenFindings(input, policy));
      findings = computed.length === 0 ? NONE : Object.freeze(computed);
      tokens.set(key, findings);
    }
    return findings;
  }

  /**
   * Whether a token's findings (a list {@link tokenFindings} returned) were on an earlier record; marks them as
   * carried. Log sampling keeps the first record of a token's findings and samples the token's later ones.
   */
  carriedBefore(findings: readonly Finding[]): boolean {
    if (!Object.isFrozen(findings) || findings.length === 0) return false;
    if (this.carried.has(findings)) return true;
    this.carried.add(findings);
    return false;
  }

  /** The key's fingerprint and findings for a token signed with `alg`; undefined when the key cannot be read. */
  keyInsight(key: unknown, alg: unknown): KeyInsight | undefined {
    const entry = this.keyEntry(key);
    if (!entry?.measured) return undefined;
    const { measured } = entry;
    if (measured.digest !== undefined && entry.fingerprint === undefined) {
      entry.fingerprint = this.pseudonymize(measured.digest);
    }
    const findings = keyFindings(measured.facts, alg);
    return { fingerprint: entry.fingerprint, findings: findings.length === 0 ? NONE : findings };
  }

  private keyEntry(key: unknown): KeyEntry | undefined {
    // A string is its own cache key (its hash is computed once by the engine); bytes and JWKs go by content.
    if (typeof key === 'string') return cached(this.keyStrings, key, key);
    if (key === null || typeof key !== 'object') return undefined;
    // Bytes made afresh for every call (a per-user secret, say) go by content alone: remembering each array
    // object as well would only add garbage-collector work for arrays that are used once.
    if (key instanceof Uint8Array) return cached(this.keyContents, contentOf(key)!, key);
    let entry = this.keyObjects.get(key);
    if (!entry) {
      const content = contentOf(key);
      entry = content === undefined ? { measured: measureKey(key) } : cached(this.keyContents, content, key);
      this.keyObjects.set(key, entry);
    }
    return entry;
  }
}
