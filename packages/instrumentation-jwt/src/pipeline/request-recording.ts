/**
 * Recording one HTTP request that carried credentials: its scope follows the request's asynchronous flow
 * (an AsyncLocalStorage entered before the handler runs), collects the JWT operations made during it, and
 * when the response is done writes the one audited outcome on the server span and as a `jwt.request` log record.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, context, trace, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import type { RequestScope } from '../adapters/contract';
import { isVerification, type ValidationReason } from '../events/audit-event';
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
import { endRequestSpan, startRequestSpan } from '../sinks/request-span-sink';
import { RequestSecrets, scrubbedAttributes } from '../policy/request-secrets';
import type { SpanSecretSource } from '../sinks/scrubbing-span-processor';

/** Operations kept per request; a request making more is recorded on the first ones. */
const MAX_OPERATIONS_PER_REQUEST = 32;
export class RecordedRequest implements RequestScope {
  private ended = false;
  private readonly operations: RequestOperation[] = [];
  /** Verifies of the presented token whose audit record this request's record carries (see {@link end}). */
  private readonly carried: RecordedOperation[] = [];
  /** The last decode of the presented token: it speaks for a request that verified nothing. */
  private lastDecode: RecordedOperation | undefined;
  /** Whether {@link lastDecode} has no record of its own: this request's record tells it. */
  private lastDecodeTold = false;
  private readonly startAttributes: AuditAttributes;
  /** tokentrail's own server span, when no other instrumentation handles this server. */
  readonly ownSpan: Span | undefined;
  /** Why a key-set lookup made for this request outside any verify failed (a middleware fetching the key first). */
  keySetFailure: ValidationReason | undefined;

  constructor(
    private readonly host: PipelineHost,
    private readonly settings: Settings,
    private readonly start: RequestStart,
    private readonly recordings: RequestRecordings,
  ) {
    this.startAttributes = requestStartAttributes(start);
    this.secrets = new RequestSecrets(start.credentials, start.embeddedTokens, settings.credentialSources.headers);
    const carriesJwt = start.credentials.some((c) => c.token !== undefined);
    this.ownSpan =
      carriesJwt && !start.handledElsewhere && settings.emitSpans
        ? startRequestSpan(host.tracer, this.startAttributes, context.active())
        : undefined;
    if (this.ownSpan) recordings.tieSecrets(this.ownSpan, this.secrets);
  }

  /** What must not leave in any span of this request; every token an operation sees while it runs is added. */
  readonly secrets: RequestSecrets;

  /** The server span instrumentation-http made, as seen from inside the handler. */
  private foreignSpan: Span | undefined;

  /** The credentials the request carried. Never exported: the redacting diag removes them by value. */
  get credentials(): readonly Credential[] {
    return this.start.credentials;
  }

  /** Whether the token was one of this request's credentials: only operations on it decide its outcome. */
  presented(token: string | undefined): boolean {
    return token !== undefined && this.start.credentials.some((c) => c.token === token);
  }

  /** The presented token a valid verify or decrypt accepted, if any (for refresh detection). */
  authenticated(): Authenticated | undefined {
    const accepted = this.operations.findLast((o) => isVerification(o.event.operation) && o.event.outcome === 'valid');
    return (
      accepted && {
        claims: accepted.event.claims,
        fingerprint: accepted.attributes[ATTR_JWT_TOKEN_FINGERPRINT] as string | undefined,
      }
    );
  }

  /**
   * Adds an operation on a presented token; returns whether the request took it (it has not ended, and has
   * room). With `carry`, the request also takes over its audit record: the record is then emitted when the
   * request ends, as part of the `jwt.request` record when it is the request's only one, else on its own.
   */
  add(operation: RecordedOperation, serverSpan: Span | undefined, carry: boolean): boolean {
    if (this.ended) return false;
    this.foreignSpan ??= serverSpan;
    if (!this.accepting()) return false;
    this.operations.push(operation);
    if (carry) this.carried.push(operation);
    if (operation.event.operation === 'decode') {
      this.lastDecode = operation;
      this.lastDecodeTold = false;
    }
    return true;
  }

  /** Whether the request still takes operations (see {@link add}): it has not ended and has room. */
  accepting(): boolean {
    return !this.ended && this.operations.length < MAX_OPERATIONS_PER_REQUEST;
  }

  /** A decode the request took (see {@link add}) has no record of its own: this request's record tells it. */
  tell(operation: RecordedOperation): void {
    if (operation === this.lastDecode) this.lastDecodeTold = true;
  }

  /**
   * The operation whose facts the request's record and server span hold: the verify it carries when it carries
   * exactly one, else, when it verified nothing, its last decode; and whether the record also holds that
   * operation's own attributes (it has no record of its own) or only its findings.
   */
  private spokenFor(): { operation: RecordedOperation; merged: boolean } | undefined {
    if (this.carried.length === 1) return { operation: this.carried[0]!, merged: true };
    if (this.carried.length > 0 || this.lastDecode === undefined) return undefined;
    if (this.operations.some((o) => isVerification(o.event.operation))) return undefined;
    return { operation: this.lastDecode, merged: this.lastDecodeTold };
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
      const outcome = requestOutcome(
        start.credentials,
        this.operations,
        end,
        settings.redaction.pseudonymize,
        this.keySetFailure,
      );
      // What the request's own attributes quote from it (its user agent, a forwarded address) may hold its tokens.
      const httpAttributes = scrubbedAttributes(
        recordAttributes(this.startAttributes, requestEndAttributes(end, rpc?.route)),
        this.secrets.forms(),
      );
      const carriesJwt = Object.keys(outcome).length > 0;

      const serverSpan = this.ownSpan ?? rpc?.span ?? this.foreignSpan;
      const logContext =
        serverSpan && trace.getSpan(active) !== serverSpan ? trace.setSpan(active, serverSpan) : active;
      let scope: readonly Finding[] = [];
      fenced(host.diag, 'the request findings and detectors', () => {
        scope = requestInsight(host, start, end, this.operations, outcome, httpAttributes, serverSpan, logContext);
      });
      // The operation the request's record speaks for has its findings on the server span too.
      const spoken = this.spokenFor();
      const carried = spoken?.operation.attributes[ATTR_JWT_FINDINGS];
      const jwtAttributes =
        scope.length === 0 && carried === undefined
          ? outcome
          : recordAttributes(
              outcome,
              { [ATTR_JWT_FINDINGS]: [...scope] },
              carried === undefined ? undefined : { [ATTR_JWT_FINDINGS]: carried },
            );
      // Concerning for what the request shows; the verify it carries keeps its own rule (see emitRecords).
      const concerning = isConcerning(outcome) || scope.length > 0;
      this.operations.length = 0;
      this.lastDecode = undefined;
      if (this.ownSpan) {
        fenced(host.diag, 'the request span', () =>
          endRequestSpan(this.ownSpan!, recordAttributes(httpAttributes, jwtAttributes), end.statusCode),
        );
      } else if (serverSpan) {
        fenced(host.diag, 'the server span', () => {
          if (carriesJwt && serverSpan.isRecording()) serverSpan.setAttributes(jwtAttributes);
          this.recordings.warnIfNotScrubbing();
        });
      }
      this.emitRecords(carriesJwt, httpAttributes, jwtAttributes, concerning, logContext, spoken);
    });
  }

  /**
   * The request's audit records: one `jwt.request` record, which carries the request's verify when it made
   * exactly one of its token (or, when it verified nothing, the decode that has no record of its own); when it
   * made several verifies, each is emitted on its own first. Every verify the request carried is emitted, even
   * when log records were turned off since.
   */
  private emitRecords(
    carriesJwt: boolean,
    http: AuditAttributes,
    jwt: AuditAttributes,
    requestConcerning: boolean,
    logContext: Context,
    spoken: { operation: RecordedOperation; merged: boolean } | undefined,
  ): void {
    const { host, settings, carried } = this;
    const ratio = settings.insight.logSampleRatio;
    const emitRequest = settings.emitLogRecords && carriesJwt;
    const merged = emitRequest && spoken?.merged ? spoken.operation : undefined;
    for (const operation of carried) {
      if (operation !== merged)
        fenced(host.diag, 'the log record sink', () => emitSampledOperationLogRecord(host.auditLog, operation, ratio));
    }
    carried.length = 0;
    if (!emitRequest) return;
    const concerning = requestConcerning || merged?.event.failure !== undefined;
    const weight = logSampleWeight(ratio, concerning || (merged !== undefined && alwaysKept(merged)));
    if (weight === undefined) return;
    const sampling = weight === 1 ? undefined : { [ATTR_JWT_SAMPLING_WEIGHT]: weight };
    fenced(host.diag, 'the request log record', () =>
      emitRequestLogRecord(
        host.auditLog,
        recordAttributes(http, merged?.attributes, jwt, sampling),
        concerning,
        logContext,
      ),
    );
  }
}

/**
 * The requests one pipeline records, each following its own asynchronous flow, and the secrets tied to a span
 * rather than found through the running flow: tokentrail's own server span (started before its request's flow
 * is entered), and the server span of a request that carried no credential but verified, decoded or signed a
 * token while it ran.
 */
export class RequestRecordings {
  private readonly current = new AsyncLocalStorage<RecordedRequest | undefined>();
  private readonly spanSecrets = new WeakMap<object, RequestSecrets>();
  /** Whether a JwtSpanProcessor has asked for secrets: without one, other instrumentations' spans are not scrubbed. */
  private scrubbing = false;
  private warnedNoScrubbing = false;

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
      if (start) request = new RecordedRequest(host, settings, start, this);
    } catch (error) {
      host.diag.error('internal error starting a request audit; the request is served unrecorded', error);
    }
    // enterWith() on Node 22 would otherwise let a keep-alive connection's next request inherit this scope.
    if (request !== undefined || current.getStore() !== undefined) current.enterWith(request);
    return request;
  }

  /** The secrets of every span of `span`'s request are `secrets`. */
  tieSecrets(span: Span, secrets: RequestSecrets): void {
    this.spanSecrets.set(span, secrets);
  }

  /** A token verified, decoded or signed while `serverSpan`'s request ran outside any recorded request. */
  tokenSeenBy(serverSpan: Span, token: string): void {
    let secrets = this.spanSecrets.get(serverSpan);
    if (secrets === undefined) {
      secrets = new RequestSecrets([], [], []);
      this.spanSecrets.set(serverSpan, secrets);
    }
    secrets.addToken(token);
  }

  /** Where a JwtSpanProcessor finds the secrets of the request a span belongs to. */
  secretSource(diag: SpanSecretSource['diag']): SpanSecretSource {
    return {
      current: () => {
        this.scrubbing = true;
        return this.current.getStore()?.secrets;
      },
      of: (span) => this.spanSecrets.get(span),
      diag,
    };
  }

  /** Says once that nothing scrubs other instrumentations' spans, when no JwtSpanProcessor ever asked. */
  warnIfNotScrubbing(): void {
    if (this.scrubbing || this.warnedNoScrubbing) return;
    this.warnedNoScrubbing = true;
    this.host.diag.warn(
      'no JwtSpanProcessor is installed: credentials other instrumentations record on their spans (url.query, captured headers) are not scrubbed; add jwt.spanProcessor() to the tracer provider',
    );
  }
}
