/**
 * The audit pipeline: adapter → normalized event → policy → sinks.
 *
 * Adapters call {@link AuditPipeline.begin}; when the library call settles they report it, the pipeline builds
 * the {@link AuditEvent}, redacts it once, and hands the result to each enabled sink. Every step is fenced:
 * an internal error is reported through `diag` and never reaches the application.
 */
import { context, createContextKey, trace, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { outcomeOf, type AuditEvent, type JwtLibrary, type JwtOperation, type OperationResult } from '../events/audit-event';
import type { AuditRecorder, KeySetScope, OperationScope, RequestScope } from '../adapters/contract';
import { fenced, type PipelineHost } from './pipeline-host';
import type { HeldOperation } from './held-secrets';
import type { ClaimAction } from '../policy/claim-policy';
import { metricDimensions } from '../policy/metric-dimensions';
import { redact } from '../policy/redaction';
import { KeySetRecording } from './key-set-recording';
import type { KeySetLookupStart } from '../events/key-set-event';
import { notedFailure, withNotes, type OperationNotes } from './operation-notes';
import type { RequestStart } from '../events/request-event';
import { RequestRecordings, type RecordedRequest } from './request-recording';
import type { Settings } from '../settings';
import type { SpanSecretSource } from '../sinks/scrubbing-span-processor';
import { recordDuration } from '../sinks/metric-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';
import { enrichServerSpan } from '../sinks/server-span-sink';
import { endOperationSpan, startOperationSpan } from '../sinks/span-sink';
import { emitSampledOperationLogRecord, insight } from './operation-delivery';

/**
 * How one pipeline tells that a library call is nested in an operation it records (jose's `jwtVerify` calls
 * `compactVerify`), so it is not recorded twice: an asynchronous operation marks its context, a synchronous one
 * (which does not enter a context) counts itself on the stack. Each pipeline has its own, so two
 * instrumentations each record every operation once.
 */
class Nesting {
  readonly key = createContextKey('tokentrail.jwt.operation');
  syncDepth = 0;

  inside(active: Context): boolean {
    return this.syncDepth > 0 || active.getValue(this.key) !== undefined;
  }
}

class Operation implements OperationScope, HeldOperation {
  private ended = false;
  /** What the library call gave, once described: held for the redacting diag while this operation is recorded. */
  heldResult: OperationResult | undefined;
  private readonly startedAt = performance.now();
  private readonly span: Span | undefined;
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
    this.span = settings.emitSpans ? startOperationSpan(host.tracer, operation, library, callerContext) : undefined;
  }

  /** The caller's context with this operation's span active: where its log record and nested work belong. */
  private get activeContext(): Context {
    return this.span ? trace.setSpan(this.callerContext, this.span) : this.callerContext;
  }

  run<T>(fn: () => T): T {
    return context.with(withNotes(this.activeContext.setValue(this.nesting.key, true), this.notes), fn);
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
    const recorded = result && (this.record(result, duration) ?? this.record({ failure: result.failure }, duration));
    const pending = recorded && insight(this.host, recorded, this.request);
    if (recorded) this.attach(recorded);
    if (!pending) {
      this.deliver(recorded);
      return;
    }
    // An asynchronous revocation check: the request has the operation already; its own records wait for the answer.
    const deliver = () => {
      const previous = this.host.held.hold(this);
      fenced(diag, 'delivering the operation', () => this.deliver(recorded));
      this.host.held.hold(previous);
    };
    pending.then(deliver, (error: unknown) => {
      const previous = this.host.held.hold(this);
      diag.error('internal error in the revocation check', error);
      this.host.held.hold(previous);
      deliver();
    });
  }

  /** The token a request presented gets one outcome when the request ends; any other token's verify is copied as it happens. */
  private attach(recorded: RecordedOperation): void {
    const { settings, host } = this;
    const { token } = recorded.event;
    if (token !== undefined) {
      // Whatever the request did with a token, no span of the request may carry it.
      const serverSpan = this.request ? undefined : getRPCMetadata(this.callerContext)?.span;
      if (this.request) this.request.secrets.addToken(token);
      else if (serverSpan) this.requests.tokenSeenBy(serverSpan, token);
    }
    if (this.request?.presented(token)) this.request.add(recorded, getRPCMetadata(this.callerContext)?.span);
    else if (settings.enrichServerSpan) fenced(host.diag, 'the server span sink', () => enrichServerSpan(recorded));
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
      const dimensions = this.settings.emitMetrics ? metricDimensions(event, attributes) : {};
      const endTime = performance.timeOrigin + performance.now();
      return { event, attributes, dimensions, span: this.span, context: this.activeContext, callerContext: this.callerContext, endTime };
    } catch (error) {
      this.host.diag.error('internal error redacting the operation; recording it without token details', error);
      return undefined;
    }
  }

  private deliver(recorded: RecordedOperation | undefined): void {
    const { settings, host } = this;
    const { diag } = host;
    if (!recorded) {
      fenced(diag, 'ending the span', () => this.span?.end());
      return;
    }
    const { span } = this;
    if (span) {
      const hook = this.operation === 'sign' || this.operation === 'encrypt' ? settings.signHook : settings.verifyHook;
      fenced(diag, 'the span sink', () =>
        endOperationSpan(span, recorded, hook, (error) => diag.error('the configured span hook threw', error)),
      );
    }
    if (settings.emitLogRecords) fenced(diag, 'the log record sink', () => emitSampledOperationLogRecord(host.auditLog, recorded, settings.insight.logSampleRatio));
    if (settings.emitMetrics) fenced(diag, 'the metric sink', () => recordDuration(host.durationHistogram, recorded));
  }
}

export class AuditPipeline implements AuditRecorder {
  private readonly keySets: KeySetRecording;
  private readonly requests: RequestRecordings;
  private readonly nesting = new Nesting();

  constructor(readonly host: PipelineHost) {
    this.requests = new RequestRecordings(host);
    this.keySets = new KeySetRecording(host, this.requests);
  }

  begin(operation: JwtOperation, library: JwtLibrary): OperationScope | undefined {
    try {
      const { settings, enabled } = this.host;
      if (!enabled || !settings.libraries[library]) return undefined;
      if (!settings.emitSpans && !settings.emitLogRecords && !settings.emitMetrics && !settings.enrichServerSpan) return undefined;
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
