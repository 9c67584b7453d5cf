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
import { hold, type HeldOperation } from './held-secrets';
import type { ClaimAction } from '../policy/claim-policy';
import { metricDimensions } from '../policy/metric-dimensions';
import { redact } from '../policy/redaction';
import { KeySetRecording } from './key-set-recording';
import type { KeySetLookupStart } from '../events/key-set-event';
import { notedFailure, withNotes, type OperationNotes } from './operation-notes';
import type { RequestStart } from '../events/request-event';
import { beginRequest, currentRequest, type RecordedRequest } from './request-recording';
import type { Settings } from '../settings';
import { recordDuration } from '../sinks/metric-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';
import { enrichServerSpan } from '../sinks/server-span-sink';
import { endOperationSpan, startOperationSpan } from '../sinks/span-sink';
import { emitSampledOperationLogRecord, insight } from './operation-delivery';

/** Marks a context as running inside a recorded operation, so nested library calls are not recorded twice. */
const IN_OPERATION = createContextKey('tokentrail.jwt.operation');
/** How many synchronous recorded operations are on the stack (they do not enter their context). */
let syncDepth = 0;

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
  ) {
    this.span = settings.emitSpans ? startOperationSpan(host.tracer, operation, library, callerContext) : undefined;
  }

  /** The caller's context with this operation's span active: where its log record and nested work belong. */
  private get activeContext(): Context {
    return this.span ? trace.setSpan(this.callerContext, this.span) : this.callerContext;
  }

  run<T>(fn: () => T): T {
    return context.with(withNotes(this.activeContext.setValue(IN_OPERATION, true), this.notes), fn);
  }

  runSync<T>(fn: () => T): T {
    syncDepth += 1;
    try {
      return fn();
    } finally {
      syncDepth -= 1;
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
    const previous = hold(this);
    try {
      this.finish(describe);
    } catch (error) {
      this.host.diag.error('internal error recording the operation; the application is unaffected', error);
    } finally {
      hold(previous);
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
      const previous = hold(this);
      fenced(diag, 'delivering the operation', () => this.deliver(recorded));
      hold(previous);
    };
    pending.then(deliver, (error: unknown) => {
      const previous = hold(this);
      diag.error('internal error in the revocation check', error);
      hold(previous);
      deliver();
    });
  }

  /** The token a request presented gets one outcome when the request ends; any other token's verify is copied as it happens. */
  private attach(recorded: RecordedOperation): void {
    const { settings, host } = this;
    if (this.request?.presented(recorded.event.token)) this.request.add(recorded, getRPCMetadata(this.callerContext)?.span);
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
    if (settings.emitLogRecords) fenced(diag, 'the log record sink', () => emitSampledOperationLogRecord(host.logger, recorded, settings.insight.logSampleRatio));
    if (settings.emitMetrics) fenced(diag, 'the metric sink', () => recordDuration(host.durationHistogram, recorded));
  }
}

export class AuditPipeline implements AuditRecorder {
  private readonly keySets: KeySetRecording;

  constructor(readonly host: PipelineHost) {
    this.keySets = new KeySetRecording(host);
  }

  begin(operation: JwtOperation, library: JwtLibrary): OperationScope | undefined {
    try {
      const { settings, enabled } = this.host;
      if (!enabled || !settings.libraries[library]) return undefined;
      if (!settings.emitSpans && !settings.emitLogRecords && !settings.emitMetrics && !settings.enrichServerSpan) return undefined;
      if (syncDepth > 0) return undefined;
      let caller = context.active();
      if (caller.getValue(IN_OPERATION)) return undefined;
      const request = currentRequest();
      // Without instrumentation-http, tokentrail's own server span is the parent of the request's jwt spans.
      if (request?.ownSpan && !trace.getSpan(caller)) caller = trace.setSpan(caller, request.ownSpan);
      return new Operation(this.host, settings, operation, library, caller, request);
    } catch (error) {
      this.host.diag.error('internal error starting a JWT operation record; calling the library unrecorded', error);
      return undefined;
    }
  }

  beginRequest(describe: () => RequestStart | undefined): RequestScope | undefined {
    return beginRequest(this.host, describe);
  }

  beginKeySetLookup(describe: () => KeySetLookupStart): KeySetScope | undefined {
    return this.keySets.begin(describe);
  }
}
