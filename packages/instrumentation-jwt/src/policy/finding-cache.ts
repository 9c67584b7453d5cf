/**
 * Findings and key facts are computed once per distinct token and key, and kept in bounded caches:
 * - token findings by token fingerprint, operation and verify checks (an LRU of {@link TOKEN_CACHE_SIZE});
 *   the time-dependent findings are recomputed on every use (two comparisons);
 * - key facts by key object identity (a WeakMap: gone with the key), or by the string for string and PEM
 *   secrets (an LRU of {@link STRING_KEY_CACHE_SIZE});
 * - the key fingerprint with each key's entry, for the pseudonymizer in force.
 */
import { LRUCache } from 'lru-cache';
import type { JsonObject, JwtOperation, VerifyChecks } from '../audit-event';
import { staticTokenFindings, type Finding, type FindingsPolicy } from './findings';
import { keyFindings, measureKey, type MeasuredKey } from './key-facts';
import type { Pseudonymizer } from './pseudonym';

export const TOKEN_CACHE_SIZE = 10_000;
export const STRING_KEY_CACHE_SIZE = 256;

const NONE: readonly Finding[] = Object.freeze([]);

interface KeyEntry {
  readonly measured: MeasuredKey | undefined;
  fingerprint?: string;
  fingerprintFor?: Pseudonymizer;
}

const tokens = new LRUCache<string, readonly Finding[]>({ max: TOKEN_CACHE_SIZE });
const keyObjects = new WeakMap<object, KeyEntry>();
const keyStrings = new LRUCache<string, KeyEntry>({ max: STRING_KEY_CACHE_SIZE });
let cachedPolicy: FindingsPolicy | undefined;

function checksTag(checks: VerifyChecks | undefined): string {
  return checks === undefined ? '-' : `${+checks.algorithms}${+checks.audience}${+checks.issuer}`;
}

/** The time-independent findings of a token, cached by its fingerprint; computed each time without one. */
export function cachedTokenFindings(
  fingerprint: string | undefined,
  input: { header?: JsonObject; claims?: JsonObject; checks?: VerifyChecks; operation: JwtOperation },
  policy: FindingsPolicy,
): readonly Finding[] {
  if (policy !== cachedPolicy) {
    tokens.clear();
    cachedPolicy = policy;
  }
  if (fingerprint === undefined) return staticTokenFindings(input, policy);
  const key = `${fingerprint}|${input.operation}|${checksTag(input.checks)}`;
  let findings = tokens.get(key);
  if (findings === undefined) {
    const computed = staticTokenFindings(input, policy);
    findings = computed.length === 0 ? NONE : Object.freeze(computed);
    tokens.set(key, findings);
  }
  return findings;
}

function keyEntry(key: unknown): KeyEntry | undefined {
  if (typeof key === 'string') {
    let entry = keyStrings.get(key);
    if (!entry) keyStrings.set(key, (entry = { measured: measureKey(key) }));
    return entry;
  }
  if (key === null || typeof key !== 'object') return undefined;
  let entry = keyObjects.get(key);
  if (!entry) keyObjects.set(key, (entry = { measured: measureKey(key) }));
  return entry;
}

export interface KeyInsight {
  readonly fingerprint?: string;
  readonly findings: readonly Finding[];
}

/** The key's fingerprint and findings for a token signed with `alg`; undefined when the key cannot be read. */
export function keyInsight(key: unknown, alg: unknown, pseudonymize: Pseudonymizer): KeyInsight | undefined {
  const entry = keyEntry(key);
  if (!entry?.measured) return undefined;
  const { measured } = entry;
  if (measured.digest !== undefined && entry.fingerprintFor !== pseudonymize) {
    entry.fingerprint = pseudonymize(measured.digest);
    entry.fingerprintFor = pseudonymize;
  }
  const findings = keyFindings(measured.facts, alg);
  return { fingerprint: entry.fingerprint, findings: findings.length === 0 ? NONE : findings };
}
