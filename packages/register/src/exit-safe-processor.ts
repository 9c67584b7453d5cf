/**
 * Batching span and log record processors that keep every item until the collector has acknowledged it.
 *
 * They batch like the SDK's BatchSpanProcessor and BatchLogRecordProcessor (same `OTEL_BSP_*` / `OTEL_BLRP_*`
 * delays and sizes), and send over OTLP/HTTP with the standard serializers. The difference is what happens to
 * an item between "queued" and "acknowledged": the SDK forgets it once the export starts, and its queue is
 * private; these keep it — queued, in flight, or back in the queue after a retryable failure — and hand all of
 * it to the exit path ({@link ExitSafeQueue.takeUnacknowledged}) when the process ends.
 */
import { context, diag, TraceFlags, type Context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { CONTENT_TYPE, type SignalEndpoint } from './otlp-endpoint';
import { postOtlp } from './otlp-post';
import { batchLimitsFromEnv, type BatchLimits } from './batch-limits';

/** A serialized OTLP request of items not yet acknowledged, ready for a last send or the spool. */
export interface UnacknowledgedPayload {
  readonly endpoint: SignalEndpoint;
  readonly body: Uint8Array;
  readonly count: number;
}

type Serialize<T> = (items: T[]) => Uint8Array | undefined;

/** What the queue needs of an item: its resource, whose asynchronous attributes must settle before it is serialized. */
interface WithResource {
  readonly resource: { readonly asyncAttributesPending?: boolean; waitForAsyncAttributes?(): Promise<void> };
}

/** Counts of items that will never be delivered, reported at exit. */
export interface LossCounts {
  /** Refused because the queue was full (`OTEL_BSP_MAX_QUEUE_SIZE` / `OTEL_BLRP_MAX_QUEUE_SIZE`). */
  queueFull: number;
  /** Refused by the collector with a non-retryable answer (such as 400), or not serializable. */
  rejected: number;
  /** Recorded after the last delivery at exit. */
  afterExit: number;
}

export class ExitSafeQueue<T extends WithResource> {
  private pending: T[] = [];
  private readonly inFlight = new Set<T[]>();
  private readonly sending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  /** After a failed send, no send before this time except an explicit flush (the collector is struggling). */
  private quietUntil = 0;
  private taken = false;
  private stopped = false;
  readonly lost: LossCounts = { queueFull: 0, rejected: 0, afterExit: 0 };

  constructor(
    readonly endpoint: SignalEndpoint,
    private readonly limits: BatchLimits,
    private readonly serialize: Serialize<T>,
  ) {}

  add(item: T): void {
    if (this.taken) {
      // Recorded by code running after the last delivery (an `exit` listener of its own): said, not hidden.
      if (this.lost.afterExit++ === 0)
        process.stderr.write(
          `[@tokentrail/register] ${this.endpoint.signal} recorded after the last delivery at exit are not delivered\n`,
        );
      return;
    }
    if (this.pending.length >= this.limits.maxQueueSize) {
      if (this.lost.queueFull++ === 0)
        diag.warn(
          `@tokentrail/register: the ${this.endpoint.signal} queue is full (${this.limits.maxQueueSize}); items are dropped and counted`,
        );
      return;
    }
    this.pending.push(item);
    // Started at once, so that the resource has settled by the time the exit path serializes it.
    if (item.resource.asyncAttributesPending) void item.resource.waitForAsyncAttributes?.().catch(() => undefined);
    if (this.stopped) return;
    if (this.pending.length >= this.limits.maxExportBatchSize && Date.now() >= this.quietUntil) this.sendBatches(false);
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.pending.length === 0 || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendBatches(true);
    }, this.limits.scheduledDelayMs);
    this.timer.unref();
  }

  /** Sends full batches (and, with `all`, the last partial one). */
  private sendBatches(all: boolean): void {
    const { maxExportBatchSize } = this.limits;
    while (this.pending.length >= maxExportBatchSize || (all && this.pending.length > 0)) {
      this.send(this.pending.splice(0, maxExportBatchSize));
    }
    this.schedule();
  }

  private send(batch: T[]): void {
    const unsettled = new Set(batch.map((item) => item.resource).filter((resource) => resource.asyncAttributesPending));
    if (unsettled.size === 0) {
      this.sendSettled(batch);
      return;
    }
    this.inFlight.add(batch);
    const settled = Promise.all([...unsettled].map((resource) => resource.waitForAsyncAttributes?.())).then(
      () => {
        if (!this.taken && this.inFlight.delete(batch)) this.sendSettled(batch);
      },
      () => {
        if (!this.taken && this.inFlight.delete(batch)) this.sendSettled(batch);
      },
    );
    this.track(settled);
  }

  private track(sending: Promise<void>): void {
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }

  private sendSettled(batch: T[]): void {
    let body: Uint8Array | undefined;
    try {
      body = this.serialize(batch);
    } catch (error) {
      diag.error(`@tokentrail/register: could not serialize ${batch.length} ${this.endpoint.signal} items`, error);
    }
    if (!body) {
      this.lost.rejected += batch.length;
      return;
    }
    this.inFlight.add(batch);
    const { target, protocol, timeoutMs } = this.endpoint;
    const sent = context
      .with(suppressTracing(context.active()), () =>
        postOtlp(target, body, CONTENT_TYPE[protocol], Math.min(timeoutMs, this.limits.exportTimeoutMs)),
      )
      .then((outcome) => {
        if (this.taken || !this.inFlight.delete(batch) || outcome.acknowledged) return;
        if (!outcome.retryable) {
          this.lost.rejected += batch.length;
          diag.error(
            `@tokentrail/register: the collector refused ${batch.length} ${this.endpoint.signal} items (${outcome.reason}); they are dropped`,
          );
          return;
        }
        diag.warn(
          `@tokentrail/register: ${this.endpoint.signal} export failed (${outcome.reason}); ${batch.length} items kept for the next attempt`,
        );
        this.pending.unshift(...batch);
        const excess = this.pending.length - this.limits.maxQueueSize;
        if (excess > 0) {
          this.pending.splice(this.pending.length - excess, excess);
          this.lost.queueFull += excess;
        }
        this.quietUntil = Date.now() + this.limits.scheduledDelayMs;
        this.schedule();
      });
    this.track(sent);
  }

  /** Sends everything queued and waits for every send in flight, acknowledged or not. */
  async flush(): Promise<void> {
    if (!this.taken) this.sendBatches(true);
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  /** Flushes, then stops sending on a timer; items still arriving are kept for the exit path. */
  async shutdown(): Promise<void> {
    await this.flush();
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Everything not acknowledged (in flight first, then queued), serialized in batches, and the queue's end:
   * answers arriving later are ignored and new items refused.
   */
  takeUnacknowledged(): UnacknowledgedPayload[] {
    this.taken = true;
    clearTimeout(this.timer);
    const items = [...[...this.inFlight].flat(), ...this.pending];
    this.inFlight.clear();
    this.pending = [];
    const payloads: UnacknowledgedPayload[] = [];
    for (let i = 0; i < items.length; i += this.limits.maxExportBatchSize) {
      const batch = items.slice(i, i + this.limits.maxExportBatchSize);
      try {
        const body = this.serialize(batch);
        if (body) payloads.push({ endpoint: this.endpoint, body, count: batch.length });
        else this.lost.rejected += batch.length;
      } catch {
        this.lost.rejected += batch.length;
      }
    }
    return payloads;
  }
}

const TRACE_SERIALIZERS = { 'http/json': JsonTraceSerializer, 'http/protobuf': ProtobufTraceSerializer } as const;
const LOG_SERIALIZERS = { 'http/json': JsonLogsSerializer, 'http/protobuf': ProtobufLogsSerializer } as const;

/** Spans, sampled ones only as the SDK's batch processor does, kept until acknowledged. */
export class ExitSafeSpanProcessor implements SpanProcessor {
  readonly queue: ExitSafeQueue<ReadableSpan>;

  constructor(endpoint: SignalEndpoint, limits: BatchLimits = batchLimitsFromEnv('OTEL_BSP')) {
    const serializer = TRACE_SERIALIZERS[endpoint.protocol];
    this.queue = new ExitSafeQueue(endpoint, limits, (spans) => serializer.serializeRequest(spans));
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.queue.add(span);
  }

  forceFlush(): Promise<void> {
    return this.queue.flush();
  }

  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}

/** Log records, kept until acknowledged. */
export class ExitSafeLogRecordProcessor implements LogRecordProcessor {
  readonly queue: ExitSafeQueue<ReadableLogRecord>;

  constructor(endpoint: SignalEndpoint, limits: BatchLimits = batchLimitsFromEnv('OTEL_BLRP')) {
    const serializer = LOG_SERIALIZERS[endpoint.protocol];
    this.queue = new ExitSafeQueue(endpoint, limits, (records) => serializer.serializeRequest(records));
  }

  onEmit(logRecord: ReadWriteLogRecord): void {
    this.queue.add(logRecord);
  }

  forceFlush(): Promise<void> {
    return this.queue.flush();
  }

  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}
