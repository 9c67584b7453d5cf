/** What `tokentrail report --json` prints, and every number the HTML shows. */
import type { Series } from './time-series';
import type { AuditorQuery, QuestionId } from './auditor-queries';
import type { TrailReport } from '../verify/trail-verifier';

/** The largest rows of a bounded count; `exact` is false when keys had to be forgotten and counts may be low. */
export interface Ranked<Row> {
  readonly exact: boolean;
  readonly rows: Row[];
}

/** The first rows of a list kept in order; `total` counts them all. */
export interface Listed<Row> {
  readonly total: number;
  readonly rows: Row[];
}

export interface QuestionBase {
  readonly id: QuestionId;
  readonly number: number;
  readonly title: string;
  readonly question: string;
  readonly queries: readonly AuditorQuery[];
  /** False when the records at hand cannot answer the question; `note` says why. */
  readonly answered: boolean;
  readonly note?: string;
}

export const OUTCOME_PARTS = ['valid', 'invalid', 'unverified'] as const;
export type OutcomePart = (typeof OUTCOME_PARTS)[number];

export interface Questions {
  q1: {
    accesses: number;
    byRoute: Ranked<{ route: string; accesses: number }>;
    byUser: Ranked<{ user: string; accesses: number }>;
    byRouteAndUser: Ranked<{ route: string; user: string; accesses: number }>;
    series: Series<'accesses'>;
  };
  q2: {
    requests: number;
    outcomes: Record<OutcomePart, number>;
    reasons: Ranked<{ reason: string; claim: string | null; requests: number }>;
    series: Series<OutcomePart>;
    failures: Series<string>;
  };
  q3: {
    threshold: number;
    rejected: number;
    denied: number;
    clients: Ranked<{ client: string; rejected: number; denied: number; total: number }>;
  };
  q4: {
    issued: number;
    refreshed: number;
    shortestSeconds: number | null;
    longestSeconds: number | null;
    lifetimes: Array<{ label: string; upToSeconds: number | null; tokens: number }>;
    byUser: Ranked<{ user: string; issued: number; refreshed: number }>;
  };
  q5: {
    revoked: number;
    reasons: Record<string, number>;
    list: Listed<{ time: string; fingerprint: string | null; reason: string | null; actor: string | null }>;
  };
  q6: { accepted: number; alerts: number; tokens: Ranked<{ fingerprint: string; uses: number }> };
  q7: { served: number; byRoute: Ranked<{ route: string; requests: number }> };
  q8: {
    insufficient: number;
    deniedDespiteGrant: number;
    byRouteAndUser: Ranked<{ route: string; user: string; insufficient: number; deniedDespiteGrant: number }>;
  };
  q9: {
    alerts: number;
    byName: Record<string, number>;
    list: Listed<{
      time: string;
      name: string;
      fingerprint: string | null;
      user: string | null;
      client: string | null;
      count: number | null;
      threshold: number | null;
      windowSeconds: number | null;
    }>;
  };
  q10: {
    findings: number;
    bySeverity: Record<string, number>;
    byName: Array<{ finding: string; severity: string; count: number }>;
    tokens: Ranked<{ fingerprint: string; uses: number; findings: string[] }>;
  };
  q11: { verified: boolean; streams: number; records: number; problems: number; byKind: Record<string, number> };
  q12: {
    refreshes: number;
    sessions: number;
    longest: number;
    complete: boolean;
    chains: Array<{
      user: string | null;
      tokens: number;
      first: string;
      last: string;
      firstRefreshed: string;
      lastRefreshed: string;
    }>;
  };
  q13: {
    rotations: number;
    keys: Ranked<{
      service: string | null;
      key: string;
      kid: string | null;
      signs: number;
      verifies: number;
      uses: number;
      firstSeen: string;
      lastSeen: string;
    }>;
  };
}

export type Question<Id extends QuestionId = QuestionId> = QuestionBase & Questions[Id];

export interface ReportData {
  readonly report: 'tokentrail report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly files: string[];
  /** Every stream verifies, and at least one audit record was read. */
  readonly verified: boolean;
  readonly trail: TrailReport & { readonly checkedWhileStreaming: string[] };
  readonly period: {
    readonly from: string | null;
    readonly to: string | null;
    readonly firstRecord: string | null;
    readonly lastRecord: string | null;
  };
  readonly records: {
    /** Audit records read, copies of a seq counted once. */
    readonly read: number;
    readonly inPeriod: number;
    /** Records in the period carrying `jwt.sampling.weight`: each counts as that many. */
    readonly sampled: number;
    /** Sum of the weights of the records in the period. */
    readonly weighted: number;
    readonly copies: number;
    readonly byEvent: Record<string, number>;
  };
  readonly weighting: string;
  readonly questions: { [Id in QuestionId]: Question<Id> };
}
