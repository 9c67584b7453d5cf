/**
 * What tokentrail adds to a recorded operation beyond its redacted attributes, before the sinks see it:
 * policy findings (`jwt.findings`), the key fingerprint, the lifecycle step of an issued token, the revocation
 * check of an accepted one, and the detectors an operation outside any request feeds. Runs fenced, and only
 * when the operation is recorded at all.
 */
import { trace } from '@opentelemetry/api';
import { isVerification, type AuditEvent } from '../events/audit-event';
import { issuanceAttributes, type Authenticated } from '../lifecycle/issuance';
import { mergeFindings, timeFindings, type Finding } from '../policy/findings';
import type { AuditAttributes } from '../policy/redaction';
import { fenced, type PipelineHost } from './pipeline-host';
import {
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_JWT_FINDINGS,
  ATTR_JWT_KEY_FINGERPRINT,
  ATTR_JWT_REVOCATION_CHECK,
  ATTR_JWT_TOKEN_FINGERPRINT,
} from '../semconv';
import { emitAlert } from '../sinks/alert-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';
import type { Firing } from '../detectors/detectors';
import type { RevocationAnswer } from './revocation-check';

/** What the operation's request (if any) tells about it. */
export interface RequestView {
  /** The token the request presented and a valid verify accepted, if any. */
  authenticated(): Authenticated | undefined;
  /** Whether the token is one the request presented: its use is then counted once, when the request ends. */
  presented(token: string | undefined): boolean;
}

function alert(
  host: PipelineHost,
  recorded: RecordedOperation,
  firings: readonly Firing[],
  subject: AuditAttributes,
): void {
  const { settings } = host;
  for (const firing of firings) {
    fenced(host.diag, 'the alert sink', () =>
      emitAlert(
        {
          log: settings.emitLogRecords ? host.auditLog : undefined,
          // A request's own verify has no span of its own: its alert is an event on the server span it ran in.
          span: recorded.span ?? (settings.emitSpans ? trace.getSpan(recorded.context) : undefined),
          counter: settings.emitMetrics ? host.alertCounter : undefined,
          context: recorded.context,
        },
        firing,
        subject,
      ),
    );
  }
}

/** The revocation check of an accepted token: its answer, or a promise of it (from an asynchronous `isRevoked`). */
function revoked(
  host: PipelineHost,
  event: AuditEvent,
  fingerprint: string | undefined,
): RevocationAnswer | Promise<RevocationAnswer> {
  if (host.denylist.has(event.claims, fingerprint)) return true;
  const { isRevoked: check, revocationCheckTimeoutMs } = host.settings.insight;
  if (!check || !event.claims) return false;
  try {
    const answer: unknown = check(event.claims);
    if (answer === null || typeof (answer as { then?: unknown })?.then !== 'function') return answer === true;
    const checks = host.revocationChecks;
    const onError = (error: unknown) => {
      // Later than the operation's own steps: its values are held again for the message.
      const previous = host.held.hold({ heldResult: event, claimActions: host.settings.redaction.claims });
      host.diag.error('the configured isRevoked check rejected; the token is recorded as not revoked', error);
      host.held.hold(previous);
    };
    if (!checks.hasRoom()) {
      Promise.resolve(answer).then(undefined, onError);
      return 'overloaded';
    }
    return new Promise<RevocationAnswer>((resolve) =>
      checks.wait(answer as PromiseLike<unknown>, revocationCheckTimeoutMs, resolve, onError),
    );
  } catch (error) {
    host.diag.error('the configured isRevoked check threw; the token is recorded as not revoked', error);
    return 'error';
  }
}

function subjectOf(attributes: AuditAttributes): AuditAttributes {
  const subject: AuditAttributes = {};
  for (const key of [ATTR_JWT_TOKEN_FINGERPRINT, ATTR_ENDUSER_PSEUDO_ID])
    if (attributes[key] !== undefined) subject[key] = attributes[key];
  return subject;
}

const REVOKED: readonly Finding[] = ['revoked_token_accepted'];

/** The union of sorted lists; the common case, one non-empty list (the cached token findings), costs nothing. */
function combine(lists: ReadonlyArray<readonly Finding[]>): readonly Finding[] {
  const raised = lists.filter((list) => list.length > 0);
  return raised.length <= 1 ? (raised[0] ?? []) : mergeFindings(...raised);
}

/** What the insight adds to an operation. */
export interface Insight {
  readonly attributes: AuditAttributes;
  /**
   * The operation's only findings are its token's, already on an earlier record: log sampling may then sample
   * this record like a finding-free one (its findings are still on it, and counted).
   */
  readonly findingsCarriedBefore: boolean;
}

function finish(
  host: PipelineHost,
  recorded: RecordedOperation,
  added: AuditAttributes,
  lists: Array<readonly Finding[]>,
  tokenList: readonly Finding[] | undefined,
  answer: RevocationAnswer,
): Insight {
  const { event, attributes } = recorded;
  const fingerprint = attributes[ATTR_JWT_TOKEN_FINGERPRINT] as string | undefined;
  const isRevoked = answer === true;
  if (typeof answer === 'string') added[ATTR_JWT_REVOCATION_CHECK] = answer;
  if (isRevoked) lists.push(REVOKED);
  const raised = combine(lists);
  if (raised.length > 0) added[ATTR_JWT_FINDINGS] = [...raised];
  if (host.settings.emitMetrics) host.findingCounter.count(raised, event.operation);
  const { detectors } = host;
  if (detectors && isRevoked && fingerprint !== undefined) {
    const firings = detectors.revokedUsed(fingerprint, Date.now());
    if (firings.length > 0) alert(host, recorded, firings, subjectOf(attributes));
  }
  const findingsCarriedBefore = raised === tokenList && host.settings.findingCache.carriedBefore(raised);
  return { attributes: added, findingsCarriedBefore };
}

/**
 * What the insight adds to the operation's redacted attributes (findings, key fingerprint, lifecycle, revocation
 * check), as a new set: the redacted attributes are not changed; and whether its findings were carried before. A promise when a configured `isRevoked`
 * answered with one: the caller delivers the record once it settles (the application has its verify result already).
 */
export function operationInsight(
  host: PipelineHost,
  recorded: RecordedOperation,
  request: RequestView | undefined,
): Insight | Promise<Insight> {
  const { event, attributes } = recorded;
  const { insight, findingCache } = host.settings;
  const fingerprint = attributes[ATTR_JWT_TOKEN_FINGERPRINT] as string | undefined;
  let added: AuditAttributes = {};
  // Each list is in vocabulary order already; finish() combines them.
  const findings: Array<readonly Finding[]> = [];
  let tokenList: readonly Finding[] | undefined;
  if (event.header !== undefined || event.claims !== undefined) {
    tokenList = findingCache.tokenFindings(fingerprint, event);
    findings.push(tokenList, timeFindings(event.claims, insight.findings));
  }
  if (event.key !== undefined) {
    const key = findingCache.keyInsight(event.key, event.header?.alg);
    if (key?.fingerprint !== undefined) added[ATTR_JWT_KEY_FINGERPRINT] = key.fingerprint;
    if (key) findings.push(key.findings);
  }
  const issuedOk =
    (event.operation === 'sign' || event.operation === 'encrypt') &&
    event.failure === undefined &&
    event.token !== undefined;
  if (issuedOk) {
    added = { ...added, ...issuanceAttributes(event, fingerprint, request?.authenticated()) };
    const subject = attributes[ATTR_ENDUSER_PSEUDO_ID];
    if (host.detectors && typeof subject === 'string')
      alert(host, recorded, host.detectors.issued(subject, Date.now()), { [ATTR_ENDUSER_PSEUDO_ID]: subject });
  }
  const verification = isVerification(event.operation);
  const verified = verification && event.outcome === 'valid';
  if (host.detectors && verification && fingerprint !== undefined && !request?.presented(event.token)) {
    const firings = host.detectors.tokenUsed(fingerprint, undefined, Date.now());
    if (firings.length > 0) alert(host, recorded, firings, subjectOf(attributes));
  }
  const check = verified ? revoked(host, event, fingerprint) : false;
  if (!(check instanceof Promise)) return finish(host, recorded, added, findings, tokenList, check);
  return check.then((answer) => finish(host, recorded, added, findings, tokenList, answer));
}
