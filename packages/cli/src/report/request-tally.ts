/**
 * What the `jwt.request` records answer: accesses by route and user (Q1), outcomes and reasons over time (Q2),
 * clients with repeated 401/403 (Q3), requests served on never-verified tokens (Q7) and scope gaps (Q8).
 */
import { REASONS } from '@tokentrail/instrumentation-jwt/inspection';
import type { AuditFields } from './audit-fields';
import { HeavyHitters } from './heavy-hitters';
import { OUTCOME_PARTS, type OutcomePart, type Questions } from './report-model';
import { safeText } from './safe-text';
import { ranked, rounded, SEPARATOR } from './tally-rows';
import { TimeSeries } from './time-series';

/** "Repeated": at least this many 401/403 answers to one client in the period. */
export const REPEATED_REFUSALS = 3;
/** Buckets of the time series in the report. */
export const SERIES_BUCKETS = 48;

const isOutcome = (value: string | undefined): value is OutcomePart =>
  (OUTCOME_PARTS as readonly string[]).includes(value ?? '');

export class RequestTally {
  requests = 0;
  readonly #outcomes: Record<OutcomePart, number> = { valid: 0, invalid: 0, unverified: 0 };
  readonly #routes = new HeavyHitters(['accesses'] as const);
  readonly #users = new HeavyHitters(['accesses'] as const);
  readonly #routeUsers = new HeavyHitters(['accesses'] as const);
  readonly #accessSeries = new TimeSeries(['accesses'] as const);
  readonly #outcomeSeries = new TimeSeries(OUTCOME_PARTS);
  readonly #failureSeries = new TimeSeries<string>(REASONS);
  readonly #reasons = new HeavyHitters(['requests'] as const, 200);
  readonly #refusals = { rejected: 0, denied: 0 };
  readonly #clients = new HeavyHitters(['rejected', 'denied'] as const);
  #served = 0;
  readonly #unverifiedRoutes = new HeavyHitters(['requests'] as const);
  readonly #scope = { insufficient: 0, deniedDespiteGrant: 0 };
  readonly #scopeRows = new HeavyHitters(['insufficient', 'deniedDespiteGrant'] as const);

  add(fields: AuditFields): void {
    const { weight, timeMs } = fields;
    const route = safeText(fields.route ?? '(no path)');
    const user = safeText(fields.user ?? '(no pseudonym)');
    this.requests += weight;
    if (isOutcome(fields.outcome)) {
      this.#outcomes[fields.outcome] += weight;
      this.#outcomeSeries.add(timeMs, fields.outcome, weight);
    }
    if (fields.outcome === 'valid') {
      this.#routes.add(route, 'accesses', weight);
      this.#users.add(user, 'accesses', weight);
      this.#routeUsers.add(route + SEPARATOR + user, 'accesses', weight);
      this.#accessSeries.add(timeMs, 'accesses', weight);
    }
    if (fields.outcome === 'invalid') {
      const reason = (REASONS as readonly string[]).includes(fields.reason ?? '') ? fields.reason! : 'other';
      this.#failureSeries.add(timeMs, reason, weight);
      this.#reasons.add(reason + SEPARATOR + safeText(fields.claim ?? ''), 'requests', weight);
    }
    if (fields.authz === 'rejected' || fields.authz === 'denied') {
      this.#refusals[fields.authz] += weight;
      this.#clients.add(safeText(fields.client ?? '(no address)'), fields.authz, weight);
    }
    if (fields.findings.includes('unverified_bearer')) {
      this.#served += weight;
      this.#unverifiedRoutes.add(route, 'requests', weight);
    }
    for (const [finding, part] of [
      ['scope_insufficient', 'insufficient'],
      ['scope_denied_despite_grant', 'deniedDespiteGrant'],
    ] as const) {
      if (!fields.findings.includes(finding)) continue;
      this.#scope[part] += weight;
      this.#scopeRows.add(route + SEPARATOR + user, part, weight);
    }
  }

  q1(): Questions['q1'] {
    return {
      accesses: rounded(this.#outcomes.valid),
      byRoute: ranked(this.#routes, (route, t) => ({ route, accesses: rounded(t.total) })),
      byUser: ranked(this.#users, (user, t) => ({ user, accesses: rounded(t.total) })),
      byRouteAndUser: ranked(this.#routeUsers, (key, t) => {
        const [route, user] = key.split(SEPARATOR) as [string, string];
        return { route, user, accesses: rounded(t.total) };
      }),
      series: this.#accessSeries.series(SERIES_BUCKETS, rounded),
    };
  }

  q2(): Questions['q2'] {
    const outcomes = {
      valid: rounded(this.#outcomes.valid),
      invalid: rounded(this.#outcomes.invalid),
      unverified: rounded(this.#outcomes.unverified),
    };
    return {
      requests: rounded(this.requests),
      outcomes,
      reasons: ranked(this.#reasons, (key, t) => {
        const [reason, claim] = key.split(SEPARATOR) as [string, string];
        return { reason, claim: claim === '' ? null : claim, requests: rounded(t.total) };
      }),
      series: this.#outcomeSeries.series(SERIES_BUCKETS, rounded),
      failures: this.#failureSeries.series(SERIES_BUCKETS, rounded),
    };
  }

  q3(): Questions['q3'] {
    return {
      threshold: REPEATED_REFUSALS,
      rejected: rounded(this.#refusals.rejected),
      denied: rounded(this.#refusals.denied),
      clients: ranked(
        this.#clients,
        (client, t) => ({
          client,
          rejected: rounded(t.parts.rejected),
          denied: rounded(t.parts.denied),
          total: rounded(t.total),
        }),
        REPEATED_REFUSALS,
      ),
    };
  }

  q7(): Questions['q7'] {
    return {
      served: rounded(this.#served),
      byRoute: ranked(this.#unverifiedRoutes, (route, t) => ({ route, requests: rounded(t.total) })),
    };
  }

  q8(): Questions['q8'] {
    return {
      insufficient: rounded(this.#scope.insufficient),
      deniedDespiteGrant: rounded(this.#scope.deniedDespiteGrant),
      byRouteAndUser: ranked(this.#scopeRows, (key, t) => {
        const [route, user] = key.split(SEPARATOR) as [string, string];
        return {
          route,
          user,
          insufficient: rounded(t.parts.insufficient),
          deniedDespiteGrant: rounded(t.parts.deniedDespiteGrant),
        };
      }),
    };
  }
}
