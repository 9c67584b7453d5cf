/**
 * The thirteen auditor questions (docs/auditor-questions.md) and the queries a backend user runs for the same
 * answers, quoted from that page (a test keeps the two the same).
 */
export interface AuditorQuery {
  /** The backend and what the query shows, e.g. `Loki`, `the refresh chain`. */
  readonly where: string;
  readonly query: string;
}

export interface AuditorQuestion {
  readonly id: QuestionId;
  readonly number: number;
  readonly title: string;
  readonly question: string;
  readonly queries: readonly AuditorQuery[];
}

export const QUESTION_IDS = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9', 'q10', 'q11', 'q12', 'q13'] as const;
export type QuestionId = (typeof QUESTION_IDS)[number];

export const AUDITOR_QUESTIONS: Readonly<Record<QuestionId, AuditorQuestion>> = {
  q1: {
    id: 'q1',
    number: 1,
    title: 'Accesses by route and user',
    question: 'Who accessed endpoint X between T1 and T2?',
    queries: [
      {
        where: 'Loki, time range T1–T2',
        query:
          '{service_name="orders-api"} | event_name="jwt.request" | url_path="/orders" | jwt_validation_outcome="valid"',
      },
      {
        where: 'Tempo',
        query:
          '{ span.url.path = "/orders" && span.jwt.validation.outcome = "valid" } | select(span.enduser.pseudo.id)',
      },
    ],
  },
  q2: {
    id: 'q2',
    number: 2,
    title: 'Outcomes and reasons',
    question: "Was a given request's token valid, tampered with, or expired — and which claim failed?",
    queries: [
      {
        where: 'Tempo',
        query:
          '{ span.jwt.token.fingerprint = "<fingerprint>" } | select(span.jwt.validation.outcome, span.jwt.validation.reason, span.jwt.validation.claim)',
      },
      { where: 'Jaeger tags', query: 'jwt.token.fingerprint=<fingerprint>' },
    ],
  },
  q3: {
    id: 'q3',
    number: 3,
    title: 'Clients with repeated 401/403 answers',
    question: 'Which clients got repeated 401/403 answers?',
    queries: [
      {
        where: 'Loki',
        query:
          'sum by (client_address) (count_over_time({service_name=~".+"} | event_name="jwt.request" | jwt_authz_outcome=~"rejected|denied" [15m])) > 2',
      },
    ],
  },
  q4: {
    id: 'q4',
    number: 4,
    title: 'Tokens issued and refreshed',
    question: 'Which tokens were issued for user U, when, and for how long?',
    queries: [
      { where: 'Loki', query: '{service_name=~".+"} | event_name="jwt.sign" | enduser_pseudo_id="<pseudonym>"' },
    ],
  },
  q5: {
    id: 'q5',
    number: 5,
    title: 'Tokens revoked',
    question: 'Which tokens were revoked, when, why, and by whom?',
    queries: [{ where: 'Loki', query: '{service_name=~".+"} | event_name="jwt.revoke"' }],
  },
  q6: {
    id: 'q6',
    number: 6,
    title: 'Revoked tokens used afterwards',
    question: 'Was a revoked token used (and accepted) afterwards?',
    queries: [
      {
        where: 'Loki',
        query:
          '{service_name=~".+"} | event_name=~"jwt.verify|jwt.request" | jwt_operation="verify" | jwt_findings=~".*revoked_token_accepted.*"',
      },
      { where: 'Prometheus', query: 'increase(jwt_findings_total{jwt_finding_name="revoked_token_accepted"}[1h]) > 0' },
    ],
  },
  q7: {
    id: 'q7',
    number: 7,
    title: 'Requests served on never-verified tokens',
    question: 'Which requests were served on a bearer token that was never verified?',
    queries: [
      { where: 'Tempo', query: '{ span.jwt.findings = "unverified_bearer" }' },
      {
        where: 'Loki',
        query: '{service_name=~".+"} | event_name="jwt.request" | jwt_findings=~".*unverified_bearer.*"',
      },
    ],
  },
  q8: {
    id: 'q8',
    number: 8,
    title: 'Scope gaps',
    question: "Did a valid token's scope fit the endpoint it was used on?",
    queries: [
      {
        where: 'Loki',
        query:
          '{service_name=~".+"} | event_name="jwt.request" | jwt_findings=~".*scope_(insufficient|denied_despite_grant).*"',
      },
    ],
  },
  q9: {
    id: 'q9',
    number: 9,
    title: 'Alerts: replay and hammering',
    question: 'Is one token being used from many places, or far more often than a person could?',
    queries: [
      {
        where: 'Loki',
        query:
          '{service_name=~".+"} | event_name="jwt.alert" | jwt_alert_name=~"token_replay_multi_ip|token_hammering"',
      },
      { where: 'fleet-wide: the rule in examples/deploy/loki-rules.yaml', query: 'JwtTokenReplayedFleetWide' },
    ],
  },
  q10: {
    id: 'q10',
    number: 10,
    title: 'Findings by severity',
    question: 'Which tokens in use are long-lived, lack exp/jti, or rely on weak algorithms or keys?',
    queries: [
      {
        where: 'Prometheus',
        query:
          'sum by (jwt_finding_name) (increase(jwt_findings_total{jwt_finding_name=~"lifetime_too_long|missing_exp|missing_jti|alg_none|alg_unexpected|hmac_key_weak|rsa_key_small"}[1d]))',
      },
      {
        where: 'the tokens',
        query:
          '{service_name=~".+"} | event_name=~"jwt.verify|jwt.request" | jwt_operation="verify" | jwt_validation_outcome="valid" | jwt_findings=~".*lifetime_too_long.*"',
      },
    ],
  },
  q11: {
    id: 'q11',
    number: 11,
    title: 'The trail: complete and unmodified',
    question: 'Is the audit trail for period P complete and unmodified?',
    queries: [
      {
        where: "the Collector file exporter's output, from a checkpoint before P to one after it",
        query: 'tokentrail verify --public-key audit-public.pem --from-checkpoint logs.jsonl',
      },
    ],
  },
  q12: {
    id: 'q12',
    number: 12,
    title: 'Sessions across refreshes',
    question: 'What did one user do across services and across token refreshes?',
    queries: [
      { where: 'Loki', query: '{service_name=~".+"} | enduser_pseudo_id="<pseudonym>"' },
      {
        where: 'the refresh chain',
        query:
          '{service_name=~".+"} | event_name="jwt.sign" | jwt_lifecycle="refreshed" | enduser_pseudo_id="<pseudonym>"',
      },
    ],
  },
  q13: {
    id: 'q13',
    number: 13,
    title: 'Signing keys by service',
    question: 'When was each signing key last rotated, and which services still use the old one?',
    queries: [
      {
        where: 'Loki',
        query:
          'sum by (service_name, jwt_key_fingerprint, jwt_header_kid) (count_over_time({service_name=~".+"} | event_name=~"jwt.sign|jwt.verify|jwt.request" | jwt_key_fingerprint!="" [1d]))',
      },
      { where: 'Tempo', query: '{ span.jwt.key.fingerprint = "<old key fingerprint>" } | by(resource.service.name)' },
    ],
  },
};
