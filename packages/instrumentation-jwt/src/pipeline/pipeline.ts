/**
 * The audit pipeline: adapter → normalized event → policy → sinks.
 *
 * Adapters call {@link AuditPipeline.begin}; when the library call settles they report it, the pipeline builds
 * the {@link AuditEvent}, redacts it once, and hands the result to each enabled sink. Every step is fenced:
 * an internal error is reported through `diag` and never reaches the application.
 */
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import {
  isVerification,
  outcomeOf,
  type AuditEvent,
  type JwtLibrary,
  type JwtOperation,
  type OperationResult,
} from '../events/audit-event';
import type { AuditRecorder, KeySetScope, OperationScope, RequestScope } from '../adapters/contract';
import { fenced, type PipelineHost } from './pipeline-host';
import { metricDimensions } from '../policy/metric-dimensions';
import { redact } from '../policy/redaction';
import { KeySetRecording } from './key-set-recording';
import type { KeySetLookupStart } from '../events/key-set-event';
import { Nesting, notedFailure, type OperationNotes } from './operation-notes';
import type { RequestStart } from '../events/request-event';
import { RequestRecordings, type RecordedRequest } from './request-recording';
import type { Settings } from '../settings';
import { recordDuration } from '../sinks/metric-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';
import { enrichServerSpan } from '../sinks/server-span-sink';
import { endOperationSpan, startOperationSpan } from '../sinks/span-sink';
import { alwaysKept, emitSampledOperationLogRecord, insight, withInsight } from './operation-delivery';
import type { Insight } from './operation-insight';
import type { HeldOperation } from './held-secrets';
import type { ClaimAction } from '../policy/claim-policy';
import type { SpanSecretSource } from '../sinks/scrubbing-span-processor';

class Operation implements OperationScope, HeldOperation {
  private ended = false;
  /** What the library call gave, once described: held for the redacting diag while this operation is recorded. */
  heldResult: OperationResult | undefined;
  private readonly startedAt = performance.now();
  /** Started with the operation outside requests; inside one, once the outcome says it tells something (see {@link wantsSpan}). */
  private span: Span | undefined;
  private readonly notes: OperationNotes = {};

  constructor(
    private readonly host: PipelineHost,
    private readonly settings: Settings,
    private readonly operation: JwtOperation,
    private readonly library: JwtLibrary,
    private readonly callerContext: Context,
    private readonly request: RecordedRequest | undefined,
    private readonly nesting: Nesting,
    private readonly requests: RequestRecordings,
  ) {
    this.span =
      settings.emitSpans && request === undefined
        ? startOperationSpan(host.tracer, operation, library, callerContext)
        : undefined;
  }

  /** The caller's context with this operation's span active: where its log record and nested work belong. */
  private get activeContext(): Context {
    const { span } = this;
    if (!span) return this.callerContext;
    if (this.contextSpan !== span) {
      this.spanContext = trace.setSpan(this.callerContext, span);
      this.contextSpan = span;
    }
    return this.spanContext!;
  }

  /** {@link activeContext}, made once per span. */
  private spanContext: Context | undefined;
  private contextSpan: Span | undefined;

  run<T>(fn: () => T): T {
    return context.with(this.nesting.enter(this.activeContext, this.notes), fn);
  }

  runSync<T>(fn: () => T): T {
    this.nesting.syncDepth += 1;
    try {
      return fn();
    } finally {
      this.nesting.syncDepth -= 1;
    }
  }

  runAsCaller<T>(fn: () => T): T {
    return context.with(this.callerContext, fn);
  }

  get claimActions(): ReadonlyMap<string, ClaimAction> {
    return this.settings.redaction.claims;
  }

  end(describe: () => OperationResult): void {
    if (this.ended) return;
    this.ended = true;
    const previous = this.host.held.hold(this);
    try {
      this.finish(describe);
    } catch (error) {
      this.host.diag.error('internal error recording the operation; the application is unaffected', error);
    } finally {
      this.host.held.hold(previous);
    }
  }

  private finish(describe: () => OperationResult): void {
    const duration = (performance.now() - this.startedAt) / 1000;
    const { diag } = this.host;
    let result: OperationResult | undefined;
    fenced(diag, 'describing the operation', () => {
      result = describe();
    });
    this.heldResult = result;
    // Without a description the outcome is unknown: end the span rather than record a guess.
    const redacted = result && (this.record(result, duration) ?? this.record({ failure: result.failure }, duration));
    if (!redacted) {
      fenced(diag, 'ending the span', () => this.span?.end());
      return;
    }
    const added = insight(this.host, redacted, this.request);
    if (added instanceof Promise) {
      // An asynchronous revocation check: the request has the operation already (what it reads of it is redacted
      // before the check); the operation's own records wait for the answer.
      this.attach(redacted, false);
      const deliver = (more: Insight | undefined) => {
        const previous = this.host.held.hold(this);
        fenced(diag, 'delivering the operation', () => this.deliver(withInsight(redacted, more), true));
        this.host.held.hold(previous);
      };
      added.then(deliver, (error: unknown) => {
        const previous = this.host.held.hold(this);
        diag.error('internal error in the revocation check', error);
        this.host.held.hold(previous);
        deliver(undefined);
      });
      return;
    }
    const recorded = withInsight(redacted, added);
    const carried = this.attach(recorded, true);
    this.deliver(recorded, !carried);
  }

  /**
   * The token a request presented gets one outcome when the request ends; any other token's verify is copied as
   * it happens. Returns true when the request carries the operation's audit record (its `jwt.request` record).
   */
  private attach(recorded: RecordedOperation, complete: boolean): boolean {
    const { settings, host, request } = this;
    const { token } = recorded.event;
    if (token !== undefined) {
      // Whatever the request did with a token, no span of the request may carry it.
      if (request) request.secrets.addToken(token);
      else {
        const serverSpan = getRPCMetadata(this.callerContext)?.span;
        if (serverSpan) this.requests.tokenSeenBy(serverSpan, token);
      }
    }
    if (request?.presented(token)) {
      const { operation } = recorded.event;
      const carry = complete && settings.emitLogRecords && isVerification(operation);
      const taken = request.add(recorded, getRPCMetadata(this.callerContext)?.span, carry);
      // A decode of the presented token is told by the request's record (its outcome, or `unverified` with the
      // decode's facts), unless the decode failed or raised findings, which its own record keeps.
      if (operation === 'decode') {
        const told = taken && complete && !alwaysKept(recorded);
        if (told) request.tell(recorded);
        return told;
      }
      return taken && carry;
    }
    if (settings.enrichServerSpan) fenced(host.diag, 'the server span sink', () => enrichServerSpan(recorded));
    return false;
  }

  /**
   * Inside a request, the verify or decode of the request's own token that succeeds is told by the server span
   * and the request's record; it gets a span of its own when it failed, when a verify hook wants one, or on
   * request (`requestVerifySpans`). Every other operation gets one.
   */
  private wantsSpan(event: AuditEvent): boolean {
    const { settings, request } = this;
    if (!settings.emitSpans) return false;
    if (
      request === undefined ||
      !toldByRequest(event.operation) ||
      !request.presented(event.token) ||
      !request.accepting()
    )
      return true;
    return event.failure !== undefined || settings.requestVerifySpans || settings.verifyHook !== undefined;
  }

  /** Builds the event and redacts it; undefined (reported) when that fails. */
  private record(result: OperationResult, duration: number): RecordedOperation | undefined {
    try {
      const failure = notedFailure(result.failure, this.notes);
      const event: AuditEvent = {
        ...result,
        failure,
        operation: this.operation,
        library: this.library,
        outcome: outcomeOf(this.operation, result.failure !== undefined),
        startTime: performance.timeOrigin + this.startedAt,
        duration,
      };
      const attributes = redact(event, this.settings.redaction, this.settings.tokenAttributes.of(event));
      if (this.span === undefined && this.request !== undefined && this.wantsSpan(event)) {
        this.span = startOperationSpan(
          this.host.tracer,
          this.operation,
          this.library,
          this.callerContext,
          event.startTime,
        );
      }
      const dimensions = this.settings.emitMetrics ? metricDimensions(event, attributes) : {};
      const endTime = performance.timeOrigin + performance.now();
      return {
        event,
        attributes,
        dimensions,
        span: this.span,
        context: this.activeContext,
        callerContext: this.callerContext,
        endTime,
      };
    } catch (error) {
      this.host.diag.error('internal error redacting the operation; recording it without token details', error);
      return undefined;
    }
  }

  /** Ends the span and records the metric; emits the log record unless the request carries it. */
  private deliver(recorded: RecordedOperation, emitLogRecord: boolean): void {
    const { settings, host } = this;
    const { diag } = host;
    const { span } = this;
    if (span) {
      const hook = this.operation === 'sign' || this.operation === 'encrypt' ? settings.signHook : settings.verifyHook;
      fenced(diag, 'the span sink', () =>
        endOperationSpan(span, recorded, hook, (error) => diag.error('the configured span hook threw', error)),
      );
    }
    if (settings.emitLogRecords && emitLogRecord)
      fenced(diag, 'the log record sink', () =>
        emitSampledOperationLogRecord(host.auditLog, recorded, settings.insight.logSampleRatio),
      );
    if (settings.emitMetrics) fenced(diag, 'the metric sink', () => recordDuration(host.durationHistogram, recorded));
  }
}

/** Operations on a request's own token that the request's record tells when they succeed. */
const toldByRequest = (operation: JwtOperation) => isVerification(operation) || operation === 'decode';

export class AuditPipeline implements AuditRecorder {
  private readonly keySets: KeySetRecording;
  private readonly requests: RequestRecordings;
  private readonly nesting = new Nesting();

  constructor(readonly host: PipelineHost) {
    this.requests = new RequestRecordings(host);
    this.keySets = new KeySetRecording(host, this.requests, this.nesting);
  }

  begin(operation: JwtOperation, library: JwtLibrary): OperationScope | undefined {
    try {
      const { settings, enabled } = this.host;
      if (!enabled || !settings.libraries[library]) return undefined;
      if (!settings.emitSpans && !settings.emitLogRecords && !settings.emitMetrics && !settings.enrichServerSpan)
        return undefined;
      let caller = context.active();
      if (this.nesting.inside(caller)) return undefined;
      const request = this.requests.active();
      // Without instrumentation-http, tokentrail's own server span is the parent of the request's jwt spans.
      if (request?.ownSpan && !trace.getSpan(caller)) caller = trace.setSpan(caller, request.ownSpan);
      return new Operation(this.host, settings, operation, library, caller, request, this.nesting, this.requests);
    } catch (error) {
      this.host.diag.error('internal error starting a JWT operation record; calling the library unrecorded', error);
      return undefined;
    }
  }

  /** Where a span processor finds the secrets of the request a span belongs to. */
  spanSecretSource(diag: SpanSecretSource['diag']): SpanSecretSource {
    return this.requests.secretSource(diag);
  }

  /** What the redacting diag removes by value now: the current request's credentials and the operation being recorded. */
  heldSecrets(): string[] {
    return this.host.held.values(this.requests.active()?.credentials);
  }

  beginRequest(describe: () => RequestStart | undefined): RequestScope | undefined {
    return this.requests.begin(describe);
  }

  beginKeySetLookup(describe: () => KeySetLookupStart): KeySetScope | undefined {
    return this.keySets.begin(describe);
  }
}
