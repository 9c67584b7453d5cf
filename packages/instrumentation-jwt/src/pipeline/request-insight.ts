/**
 * What tokentrail adds to a request's audit when the response is done: the scope policy's findings, the
 * `jwt.findings` counter for them, and the detectors a presented token feeds (one use per request, from its
 * client address). Runs fenced inside the request audit.
 */
import type { Context, Span } from '@opentelemetry/api';
import { fenced, type PipelineHost } from './pipeline-host';
import { mergeFindings, type Finding } from '../policy/findings';
import type { AuditAttributes } from '../policy/redaction';
import type { RequestOperation } from '../policy/request-outcome';
import { grantedScopes, requirementFor, scopeFindings } from '../policy/scope-policy';
import type { RequestEnd, RequestStart } from '../events/request-event';
import { isVerification } from '../events/audit-event';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_ROUTE,
  ATTR_JWT_FINDINGS,
  ATTR_JWT_TOKEN_FINGERPRINT,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_URL_PATH,
  ATTR_USER_ROLES,
} from '../semconv';
import { emitAlert } from '../sinks/alert-sink';

/** The operation that decided the request's outcome: the last accepted verify, else the last decode. */
function deciding(operations: readonly RequestOperation[], start: RequestStart): RequestOperation | undefined {
  const presented = (op: RequestOperation) =>
    op.event.token !== undefined && start.credentials.some((c) => c.token === op.event.token);
  const mine = operations.filter(presented);
  return (
    mine.findLast((op) => isVerification(op.event.operation) && op.event.outcome === 'valid') ??
    mine.findLast((op) => op.event.operation === 'decode' && op.event.outcome === 'unverified')
  );
}

/**
 * The scope findings of the request (a new list; `jwt`, the request's JWT attributes, is not changed); counts
 * the request's findings and feeds the detectors.
 */
export function requestInsight(
  host: PipelineHost,
  start: RequestStart,
  end: RequestEnd,
  operations: readonly RequestOperation[],
  jwt: AuditAttributes,
  http: AuditAttributes,
  span: Span | undefined,
  context: Context,
): readonly Finding[] {
  const { settings } = host;
  const outcome = jwt[ATTR_JWT_VALIDATION_OUTCOME];
  if (outcome === undefined) return NONE;
  let scope: readonly Finding[] = NONE;
  const requirement = end.aborted
    ? undefined
    : requirementFor(
        settings.insight.scopePolicy,
        String(http[ATTR_HTTP_REQUEST_METHOD]),
        http[ATTR_HTTP_ROUTE] as string | undefined,
        String(http[ATTR_URL_PATH]),
      );
  if (requirement) {
    const op = deciding(operations, start);
    const roles = op?.attributes[ATTR_USER_ROLES];
    scope = scopeFindings(
      requirement,
      outcome,
      grantedScopes(op?.event.claims),
      Array.isArray(roles) ? roles : [],
      end.statusCode,
    );
  }
  const existing = jwt[ATTR_JWT_FINDINGS];
  const findings =
    scope.length === 0 ? existing : mergeFindings(Array.isArray(existing) ? (existing as Finding[]) : [], scope);
  if (settings.emitMetrics && Array.isArray(findings)) host.findingCounter.count(findings as Finding[], undefined);

  const { detectors } = host;
  const fingerprint = jwt[ATTR_JWT_TOKEN_FINGERPRINT];
  // Alerts are span events, log records and counter points: with all three off there is nothing to detect for.
  const alertsGoSomewhere = settings.emitSpans || settings.emitLogRecords || settings.emitMetrics;
  if (!detectors || !alertsGoSomewhere || typeof fingerprint !== 'string') return scope;
  const address = typeof http[ATTR_CLIENT_ADDRESS] === 'string' ? (http[ATTR_CLIENT_ADDRESS] as string) : undefined;
  const now = Date.now();
  const targets = {
    log: settings.emitLogRecords ? host.auditLog : undefined,
    span: settings.emitSpans ? span : undefined,
    counter: settings.emitMetrics ? host.alertCounter : undefined,
    context,
  };
  const token: AuditAttributes = { [ATTR_JWT_TOKEN_FINGERPRINT]: fingerprint };
  if (jwt[ATTR_ENDUSER_PSEUDO_ID] !== undefined) token[ATTR_ENDUSER_PSEUDO_ID] = jwt[ATTR_ENDUSER_PSEUDO_ID];
  for (const firing of detectors.tokenUsed(fingerprint, address, now))
    fenced(host.diag, 'the alert sink', () => emitAlert(targets, firing, token));
  if (outcome === 'invalid' && address !== undefined) {
    const about = { [ATTR_CLIENT_ADDRESS]: address };
    for (const firing of detectors.failure(address, now))
      fenced(host.diag, 'the alert sink', () => emitAlert(targets, firing, about));
  }
  return scope;
}

const NONE: readonly Finding[] = [];
