/**
 * Policy findings: the weaknesses of a token, a key or a verify call that tokentrail can see at run time,
 * as a closed vocabulary (`jwt.findings`). This module is pure: it reads a decoded header and claims set and
 * the checks a verify call asked for, and knows neither a JWT library nor OpenTelemetry, so a command-line
 * reader of tokens can raise the very same findings.
 *
 * Key findings (`hmac_key_weak`, `rsa_key_small`) come from `key-facts.ts`; `revoked_token_accepted` from the
 * revocation check; `unverified_bearer` and the scope findings from the request audit.
 */
import { isVerification, ownValue, type JsonObject, type JwtOperation, type VerifyChecks } from '../events/audit-event';

/** `jwt.findings`: every finding tokentrail raises. */
export const FINDINGS = [
  'alg_none',
  'alg_not_pinned',
  'aud_not_checked',
  'iss_not_checked',
  'missing_exp',
  'lifetime_too_long',
  'missing_jti',
  'header_jwk',
  'header_jku',
  'header_x5u',
  'header_crit',
  'alg_unexpected',
  'hmac_key_weak',
  'rsa_key_small',
  'clock_skew_large',
  'revoked_token_accepted',
  'unverified_bearer',
  'scope_insufficient',
  'scope_denied_despite_grant',
] as const;
export type Finding = (typeof FINDINGS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof SEVERITIES)[number];

/**
 * How bad each finding is, by what an attacker gains (RFC 8725, OWASP JWT cheat sheet):
 * - critical: the token's authenticity is void or a refused authority was still honoured — `alg_none`
 *   (no signature at all), `revoked_token_accepted`, `scope_insufficient` (a request served without the
 *   scope its route requires), `unverified_bearer` (a token served without any verification);
 * - high: forgery or confusion is one mistake away — `alg_not_pinned` (algorithm confusion), `hmac_key_weak`
 *   (an HMAC secret open to offline guessing), `header_jwk` / `header_jku` / `header_x5u` (the token names
 *   its own key), `alg_unexpected` (an algorithm the deployment does not use);
 * - medium: a token valid too widely or too long — `aud_not_checked`, `iss_not_checked` (tokens for another
 *   service or issuer accepted), `missing_exp`, `lifetime_too_long`, `rsa_key_small`, `header_crit`
 *   (extensions the verifier must understand), `scope_denied_despite_grant` (authorization out of step with
 *   the token: a denial, so no exposure, but a broken policy);
 * - low: hygiene — `missing_jti` (no revocation or replay handle), `clock_skew_large` (a signer's clock ahead).
 */
export const FINDING_SEVERITY: Readonly<Record<Finding, FindingSeverity>> = {
  alg_none: 'critical',
  revoked_token_accepted: 'critical',
  scope_insufficient: 'critical',
  unverified_bearer: 'critical',
  alg_not_pinned: 'high',
  hmac_key_weak: 'high',
  header_jwk: 'high',
  header_jku: 'high',
  header_x5u: 'high',
  alg_unexpected: 'high',
  aud_not_checked: 'medium',
  iss_not_checked: 'medium',
  missing_exp: 'medium',
  lifetime_too_long: 'medium',
  rsa_key_small: 'medium',
  header_crit: 'medium',
  scope_denied_despite_grant: 'medium',
  missing_jti: 'low',
  clock_skew_large: 'low',
};

/** What the token findings are judged against. */
export interface FindingsPolicy {
  /** Longest acceptable lifetime in seconds (`exp − iat`, or `exp − now` without `iat`). @default 86400 (24 h) */
  readonly maxLifetimeSeconds: number;
  /** The algorithms this deployment uses; an `alg` outside them is `alg_unexpected`. @default undefined (not judged) */
  readonly expectedAlgorithms?: readonly string[];
  /** How far in the future `iat` may be before `clock_skew_large`, in seconds. @default 60 */
  readonly clockToleranceSeconds: number;
  /** The current time, seconds since the epoch. @default the wall clock */
  readonly now?: number;
}

export const DEFAULT_FINDINGS_POLICY: FindingsPolicy = { maxLifetimeSeconds: 24 * 60 * 60, clockToleranceSeconds: 60 };

/** A token and, for verify and decrypt, the checks the call asked the library to make. */
export interface TokenFindingsInput {
  readonly header?: JsonObject;
  readonly claims?: JsonObject;
  readonly checks?: VerifyChecks;
  readonly operation: JwtOperation;
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const HEADER_FINDINGS: ReadonlyArray<readonly [string, Finding]> = [
  ['jwk', 'header_jwk'],
  ['jku', 'header_jku'],
  ['x5u', 'header_x5u'],
  ['crit', 'header_crit'],
];

/**
 * The findings that depend on the token and the call alone, not on the time: the same for every use of one
 * token in one call shape, so they may be cached per token.
 *
 * - `alg_none`: `alg` is `none` in any casing; `alg_unexpected`: the policy names algorithms and `alg` is not one;
 * - `header_jwk` / `header_jku` / `header_x5u` / `header_crit`: the protected header has that member;
 * - verify only: `alg_not_pinned` when the options do not restrict `algorithms` (decrypt chooses its key
 *   management algorithm from the key); verify and decrypt: `aud_not_checked`, `iss_not_checked`;
 * - when the claims can be read: `missing_exp`, `missing_jti`, and `lifetime_too_long` when `exp − iat`
 *   exceeds the policy's maximum.
 */
export function staticTokenFindings(
  input: TokenFindingsInput,
  policy: FindingsPolicy = DEFAULT_FINDINGS_POLICY,
): Finding[] {
  const { header, claims, checks, operation } = input;
  const findings: Finding[] = [];
  const alg = ownValue(header, 'alg');
  if (typeof alg === 'string') {
    if (alg.toLowerCase() === 'none') findings.push('alg_none');
    if (policy.expectedAlgorithms !== undefined && !policy.expectedAlgorithms.includes(alg))
      findings.push('alg_unexpected');
  }
  for (const [member, finding] of HEADER_FINDINGS) if (ownValue(header, member) !== undefined) findings.push(finding);
  if (checks !== undefined && isVerification(operation)) {
    if (operation === 'verify' && !checks.algorithms) findings.push('alg_not_pinned');
    if (!checks.audience) findings.push('aud_not_checked');
    if (!checks.issuer) findings.push('iss_not_checked');
  }
  if (claims !== undefined) {
    const exp = numeric(ownValue(claims, 'exp'));
    const iat = numeric(ownValue(claims, 'iat'));
    if (exp === undefined) findings.push('missing_exp');
    else if (iat !== undefined && exp - iat > policy.maxLifetimeSeconds) findings.push('lifetime_too_long');
    if (ownValue(claims, 'jti') === undefined) findings.push('missing_jti');
  }
  return findings;
}

/**
 * The findings that depend on the time: `clock_skew_large` when `iat` lies beyond the tolerance in the future,
 * and `lifetime_too_long` for a token without `iat` whose `exp` lies beyond the maximum lifetime from now.
 */
export function timeFindings(
  claims: JsonObject | undefined,
  policy: FindingsPolicy = DEFAULT_FINDINGS_POLICY,
): Finding[] {
  if (claims === undefined) return [];
  const now = policy.now ?? Date.now() / 1000;
  const findings: Finding[] = [];
  const iat = numeric(ownValue(claims, 'iat'));
  const exp = numeric(ownValue(claims, 'exp'));
  if (iat !== undefined && iat > now + policy.clockToleranceSeconds) findings.push('clock_skew_large');
  if (iat === undefined && exp !== undefined && exp - now > policy.maxLifetimeSeconds)
    findings.push('lifetime_too_long');
  return findings;
}

/** Every finding visible from a token and the call that read it, in the order of {@link FINDINGS}. */
export function tokenFindings(input: TokenFindingsInput, policy: FindingsPolicy = DEFAULT_FINDINGS_POLICY): Finding[] {
  return mergeFindings(staticTokenFindings(input, policy), timeFindings(input.claims, policy));
}

const ORDER: ReadonlyMap<string, number> = new Map(FINDINGS.map((finding, index) => [finding, index]));

/** The union of finding lists, without repeats, in the order of {@link FINDINGS}. */
export function mergeFindings(...lists: ReadonlyArray<readonly Finding[] | undefined>): Finding[] {
  if (lists.every((list) => list === undefined || list.length === 0)) return [];
  if (lists.length === 1) return [...new Set(lists[0])].sort((a, b) => ORDER.get(a)! - ORDER.get(b)!);
  const all = new Set<Finding>();
  for (const list of lists) if (list) for (const finding of list) all.add(finding);
  return [...all].sort((a, b) => ORDER.get(a)! - ORDER.get(b)!);
}
