/**
 * What the operation, revocation and finding records answer: tokens issued and refreshed with their lifetimes
 * (Q4), revocations (Q5), revoked tokens accepted afterwards (Q6) and findings by severity (Q10). A verify is
 * read from its own record or from the `jwt.request` record that carries it.
 */
import {
  FINDING_SEVERITY,
  FINDINGS,
  REVOCATION_REASONS,
  SEVERITIES,
  type Finding,
} from '@tokentrail/instrumentation-jwt/inspection';
import { isSigning, isVerification, type AuditFields } from './audit-fields';
import { HeavyHitters } from './heavy-hitters';
import type { Questions } from './report-model';
import { safeText } from './safe-text';
import { isoTime, ranked, rounded } from './tally-rows';

/** Revocations listed one by one; more are counted. */
const LISTED = 50;

const LIFETIMES: ReadonlyArray<[string, number | null]> = [
  ['up to 5 minutes', 300],
  ['up to 15 minutes', 900],
  ['up to 1 hour', 3600],
  ['up to 1 day', 86_400],
  ['up to 30 days', 30 * 86_400],
  ['longer', null],
];

/** The findings of Q10: tokens long-lived, without exp or jti, or on weak algorithms or keys. */
export const WEAK_TOKEN_FINDINGS = [
  'lifetime_too_long',
  'missing_exp',
  'missing_jti',
  'alg_none',
  'alg_unexpected',
  'hmac_key_weak',
  'rsa_key_small',
] as const;

const isFinding = (value: string): value is Finding => (FINDINGS as readonly string[]).includes(value);

export class TokenTally {
  signs = 0;
  verifies = 0;
  readonly #lifecycle = { issued: 0, refreshed: 0 };
  readonly #lifetimes = LIFETIMES.map(() => 0);
  #shortest: number | null = null;
  #longest: number | null = null;
  readonly #issuedTo = new HeavyHitters(['issued', 'refreshed'] as const);
  #revoked = 0;
  readonly #revocationReasons: Record<string, number> = Object.fromEntries(
    REVOCATION_REASONS.map((reason) => [reason, 0]),
  );
  readonly #revocations: Questions['q5']['list']['rows'] = [];
  #accepted = 0;
  readonly #acceptedTokens = new HeavyHitters(['uses'] as const);
  #findings = 0;
  readonly #byFinding = new Map<Finding, number>();
  readonly #weakTokens = new HeavyHitters(WEAK_TOKEN_FINDINGS);

  add(fields: AuditFields): void {
    const { weight } = fields;
    if (isSigning(fields)) this.#sign(fields);
    if (isVerification(fields)) {
      this.verifies += weight;
      if (fields.findings.includes('revoked_token_accepted')) {
        this.#accepted += weight;
        this.#acceptedTokens.add(safeText(fields.fingerprint ?? '(none)'), 'uses', weight);
      }
      const weak =
        fields.outcome === 'valid' ? WEAK_TOKEN_FINDINGS.filter((finding) => fields.findings.includes(finding)) : [];
      if (weak.length > 0) this.#weakTokens.add(safeText(fields.fingerprint ?? '(none)'), weak, weight);
    }
    if (fields.event === 'jwt.revoke') this.#revoke(fields);
    for (const finding of fields.findings) {
      if (!isFinding(finding)) continue;
      this.#findings += weight;
      this.#byFinding.set(finding, (this.#byFinding.get(finding) ?? 0) + weight);
    }
  }

  #sign(fields: AuditFields): void {
    const { weight } = fields;
    this.signs += weight;
    const step = fields.lifecycle === 'refreshed' ? 'refreshed' : fields.lifecycle === 'issued' ? 'issued' : undefined;
    if (!step) return;
    this.#lifecycle[step] += weight;
    this.#issuedTo.add(safeText(fields.user ?? '(no pseudonym)'), step, weight);
    const lifetime = fields.lifetime;
    if (lifetime === undefined || !Number.isFinite(lifetime)) return;
    const bucket = LIFETIMES.findIndex(([, upTo]) => upTo === null || lifetime <= upTo);
    this.#lifetimes[bucket]! += weight;
    this.#shortest = Math.min(this.#shortest ?? lifetime, lifetime);
    this.#longest = Math.max(this.#longest ?? lifetime, lifetime);
  }

  #revoke(fields: AuditFields): void {
    this.#revoked += fields.weight;
    const reason =
      fields.revocationReason !== undefined && Object.hasOwn(this.#revocationReasons, fields.revocationReason)
        ? fields.revocationReason
        : 'other';
    this.#revocationReasons[reason]! += fields.weight;
    if (this.#revocations.length < LISTED) {
      this.#revocations.push({
        time: isoTime(fields.timeMs),
        fingerprint: fields.fingerprint === undefined ? null : safeText(fields.fingerprint),
        reason: fields.revocationReason === undefined ? null : safeText(fields.revocationReason),
        actor: fields.revocationActor === undefined ? null : safeText(fields.revocationActor),
      });
    }
  }

  q4(): Questions['q4'] {
    return {
      issued: rounded(this.#lifecycle.issued),
      refreshed: rounded(this.#lifecycle.refreshed),
      shortestSeconds: this.#shortest,
      longestSeconds: this.#longest,
      lifetimes: LIFETIMES.map(([label, upToSeconds], index) => ({
        label,
        upToSeconds,
        tokens: rounded(this.#lifetimes[index]!),
      })),
      byUser: ranked(this.#issuedTo, (user, t) => ({
        user,
        issued: rounded(t.parts.issued),
        refreshed: rounded(t.parts.refreshed),
      })),
    };
  }

  q5(): Questions['q5'] {
    const rows = [...this.#revocations].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return {
      revoked: rounded(this.#revoked),
      reasons: Object.fromEntries(Object.entries(this.#revocationReasons).map(([k, v]) => [k, rounded(v)])),
      list: { total: rounded(this.#revoked), rows },
    };
  }

  q6(alerts: number): Questions['q6'] {
    return {
      accepted: rounded(this.#accepted),
      alerts: rounded(alerts),
      tokens: ranked(this.#acceptedTokens, (fingerprint, t) => ({ fingerprint, uses: rounded(t.total) })),
    };
  }

  q10(): Questions['q10'] {
    const bySeverity: Record<string, number> = Object.fromEntries(
      [...SEVERITIES].reverse().map((severity) => [severity, 0]),
    );
    const byName: Questions['q10']['byName'] = [];
    for (const finding of FINDINGS) {
      const count = this.#byFinding.get(finding);
      if (count === undefined) continue;
      bySeverity[FINDING_SEVERITY[finding]]! += count;
      byName.push({ finding, severity: FINDING_SEVERITY[finding], count: rounded(count) });
    }
    for (const severity of SEVERITIES) bySeverity[severity] = rounded(bySeverity[severity]!);
    const order = [...SEVERITIES].reverse();
    byName.sort(
      (a, b) =>
        order.indexOf(a.severity as (typeof SEVERITIES)[number]) -
          order.indexOf(b.severity as (typeof SEVERITIES)[number]) || b.count - a.count,
    );
    return {
      findings: rounded(this.#findings),
      bySeverity,
      byName,
      tokens: ranked(this.#weakTokens, (fingerprint, t) => ({
        fingerprint,
        uses: rounded(t.total),
        findings: WEAK_TOKEN_FINDINGS.filter((finding) => t.parts[finding] > 0),
      })),
    };
  }
}
