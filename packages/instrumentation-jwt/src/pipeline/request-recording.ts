/**
 * Recording one HTTP request that carried credentials: its scope follows the request's asynchronous flow
 * (an AsyncLocalStorage entered before the handler runs), collects the JWT operations made during it, and
 * when the response is done writes the one audited outcome on the server span and as a `jwt.request` log record.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, context, trace, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import type { RequestScope } from '../adapters/contract';
import type { ValidationReason } from '../events/audit-event';
import { fenced, type PipelineHost } from './pipeline-host';
import { requestEndAttributes, requestStartAttributes } from '../policy/request-attributes';
import { isConcerning, requestOutcome, type RequestOperation } from '../policy/request-outcome';
import { recordAttributes } from '../policy/record-attributes';
import type { Finding } from '../policy/findings';
import type { RecordedOperation } from '../sinks/recorded-operation';
import { alwaysKept, emitSampledOperationLogRecord } from './operation-delivery';
import type { AuditAttributes } from '../policy/redaction';
import type { Credential, RequestEnd, RequestStart } from '../events/request-event';
import type { Settings } from '../settings';
import { emitRequestLogRecord } from '../sinks/request-log-sink';
import type { Authenticated } from '../lifecycle/issuance';
import { logSampleWeight } from '../policy/log-sampling';
import { requestInsight } from './request-insight';
import { ATTR_JWT_FINDINGS, ATTR_JWT_SAMPLING_WEIGHT, ATTR_JWT_TOKEN_FINGERPRINT } from '../semconv';
import { endRequestSpan, scrubCredentials, startRequestSpan } from '../sinks/request-span-sink';

/** Operations kept per request; a request making more is recorded on the first ones. */
const MAX_OPERATIONS_PER_REQUEST = 32;
/** Credential values shorter than this are not scrubbed by value (they would match unrelated text). */
const MIN_SCRUBBED_LENGTH = 8;

/** Characters that stay the same when URL-encoded: a value made only of these has no other written form. */
const URL_SAFE = /^[A-Za-z0-9._~-]*$/;

/**
 * Every form in which a credential can appear in another instrumentation's attributes: the bare token (a
 * JWT's characters are URL-safe), or any other value as sent and URL-encoded as a query string value (`%20`
 * and `+` for spaces), and a query parameter exactly as the URL wrote it (however its characters were encoded).
 */
function secretForms(credentials: readonly Credential[]): string[] {
  const forms = new Set<string>();
  for (const { value, token, sent } of credentials) {
    const candidates = token !== undefined ? [token]
      : URL_SAFE.test(value) ? [value]
      : [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)];
    if (sent !== undefined) candidates.push(sent);
    for (const form of candidates) if (form.length >= MIN_SCRUBBED_LENGTH) forms.add(form);
  }
  return [...forms];
}

export class RecordedRequest implements RequestScope {
  private ended = false;
  private readonly operations: RequestOperation[] = [];
  /** Verifies of the presented token whose audit record this request's record carries (see {@link end}). */
  private readonly carried: RecordedOperation[] = [];
  private readonly startAttributes: AuditAttributes;
  /** tokentrail's own server span, when no other instrumentation handles this server. */
  readonly ownSpan: Span | undefined;
  /** Why a key-set lookup made for this request outside any verify failed (a middleware fetching the key first). */
  keySetFailure: ValidationReason | undefined;

  constructor(
    private readonly host: PipelineHost,
    private readonly settings: Settings,
    private readonly start: RequestStart,
  ) {
    this.startAttributes = requestStartAttributes(start);
    const carriesJwt = start.credentials.some((c) => c.token !== undefined);
    this.ownSpan =
      carriesJwt && !start.handledElsewhere && settings.emitSpans ? startRequestSpan(host.tracer, this.startAttributes, context.active()) : undefined;
  }

  /** The server span instrumentation-http made, as seen from inside the handler. */
  private foreignSpan: Span | undefined;

  /** Whether the token was one of this request's credentials: only operations on it decide its outcome. */
  presented(token: string | undefined): boolean {
    return token !== undefined && this.start.credentials.some((c) => c.token === token);
  }

  /** The presented token a valid verify or decrypt accepted, if any (for refresh detection). */
  authenticated(): Authenticated | undefined {
    const accepted = this.operations.findLast((o) => (o.event.operation === 'verify' || o.event.operation === 'decrypt') && o.event.outcome === 'valid');
    return accepted && { claims: accepted.event.claims, fingerprint: accepted.attributes[ATTR_JWT_TOKEN_FINGERPRINT] as string | undefined };
  }

  /**
   * Adds an operation on a presented token. With `carry`, the request also takes over its audit record, and
   * returns true when it did: the record is then emitted when the request ends, as part of the `jwt.request`
   * record when it is the request's only one, else on its own.
   */
  add(operation: RecordedOperation, serverSpan: Span | undefined, carry: boolean): boolean {
    if (this.ended) return false;
    this.foreignSpan ??= serverSpan;
    if (this.operations.length >= MAX_OPERATIONS_PER_REQUEST) return false;
    this.operations.push(operation);
    if (carry) this.carried.push(operation);
    return carry;
  }

  end(describe: () => RequestEnd): void {
    if (this.ended) return;
    this.ended = true;
    const { host, settings, start } = this;
    fenced(host.diag, 'the request audit', () => {
      const end = describe();
      // A finished response ends in its own request's context, and so does an aborted one whose response
      // instrumentation-http bound to it; otherwise only what the request's operations saw is trusted.
      const active = end.aborted && !start.handledElsewhere ? ROOT_CONTEXT : context.active();
      const rpc = getRPCMetadata(active);
      const outcome = requestOutcome(start.credentials, this.operations, end, settings.redaction.pseudonymize, this.keySetFailure);
      const httpAttributes = recordAttributes(this.startAttributes, requestEndAttributes(end, rpc?.route));
      const carriesJwt = Object.keys(outcome).length > 0;

      const serverSpan = this.ownSpan ?? rpc?.span ?? this.foreignSpan;
      const logContext = serverSpan && trace.getSpan(active) !== serverSpan ? trace.setSpan(active, serverSpan) : active;
      let scope: readonly Finding[] = [];
      fenced(host.diag, 'the request findings and detectors', () => {
        scope = requestInsight(host, start, end, this.operations, outcome, httpAttributes, serverSpan, logContext);
      });
      // The verify the request's record carries has its findings on the server span too.
      const carried = this.carried.length === 1 ? this.carried[0]!.attributes[ATTR_JWT_FINDINGS] : undefined;
      const jwtAttributes = scope.length === 0 && carried === undefined ? outcome : recordAttributes(outcome, { [ATTR_JWT_FINDINGS]: [...scope] }, carried === undefined ? undefined : { [ATTR_JWT_FINDINGS]: carried });
      // Concerning for what the request shows; the verify it carries keeps its own rule (see emitRecords).
      const concerning = isConcerning(outcome) || scope.length > 0;
      this.operations.length = 0;
      if (this.ownSpan) {
        fenced(host.diag, 'the request span', () => endRequestSpan(this.ownSpan!, recordAttributes(httpAttributes, jwtAttributes), end.statusCode));
      } else if (serverSpan) {
        fenced(host.diag, 'the server span', () => {
          if (carriesJwt && serverSpan.isRecording()) serverSpan.setAttributes(jwtAttributes);
          const secrets = secretForms(start.credentials);
          const headers = start.credentials.filter((c) => c.source === 'header').map((c) => c.name);
          if (!scrubCredentials(serverSpan, secrets, headers)) host.diag.debug('server span attributes are not readable; credentials recorded by other instrumentations were not scrubbed');
        });
      }
      this.emitRecords(carriesJwt, httpAttributes, jwtAttributes, concerning, logContext);
    });
  }

  /**
   * The request's audit records: one `jwt.request` record, which carries the request's verify when it made
   * exactly one of its token; when it made several, each is emitted on its own first. Every verify the request
   * carried is emitted, even when log records were turned off since.
   */
  private emitRecords(carriesJwt: boolean, http: AuditAttributes, jwt: AuditAttributes, requestConcerning: boolean, logContext: Context): void {
    const { host, settings, carried } = this;
    const ratio = settings.insight.logSampleRatio;
    const emitRequest = settings.emitLogRecords && carriesJwt;
    const merged = emitRequest && carried.length === 1 ? carried[0] : undefined;
    for (const operation of carried) {
      if (operation !== merged) fenced(host.diag, 'the log record sink', () => emitSampledOperationLogRecord(host.auditLog, operation, ratio));
    }
    carried.length = 0;
    if (!emitRequest) return;
    const concerning = requestConcerning || merged?.event.failure !== undefined;
    const weight = logSampleWeight(ratio, concerning || (merged !== undefined && alwaysKept(merged)));
    if (weight === undefined) return;
    const sampling = weight === 1 ? undefined : { [ATTR_JWT_SAMPLING_WEIGHT]: weight };
    fenced(host.diag, 'the request log record', () =>
      emitRequestLogRecord(host.auditLog, recordAttributes(http, merged?.attributes, jwt, sampling), concerning, logContext),
    );
  }
}

/** The requests one pipeline records: each follows its own asynchronous flow. */
export class RequestRecordings {
  private readonly current = new AsyncLocalStorage<RecordedRequest | undefined>();

  constructor(private readonly host: PipelineHost) {}

  /** The request whose asynchronous flow is running, if it carried credentials. */
  active(): RecordedRequest | undefined {
    return this.current.getStore();
  }

  /** Starts recording a request, or clears the previous request's scope from this flow when there is nothing to record. */
  begin(describe: () => RequestStart | undefined): RecordedRequest | undefined {
    const { host, current } = this;
    let request: RecordedRequest | undefined;
    try {
      const { enabled, settings } = host;
      const start = enabled && settings.http ? describe() : undefined;
      if (start) request = new RecordedRequest(host, settings, start);
    } catch (error) {
      host.diag.error('internal error starting a request audit; the request is served unrecorded', error);
    }
    // enterWith() on Node 22 would otherwise let a keep-alive connection's next request inherit this scope.
    if (request !== undefined || current.getStore() !== undefined) current.enterWith(request);
    return request;
  }
}
