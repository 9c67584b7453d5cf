/**
 * Telemetry that survives the end of the process: the span and log record processors and the metric reader
 * `@tokentrail/register` installs, for applications that start the SDK in code.
 *
 * ```js
 * const { exitSafeTelemetry } = require('@tokentrail/register/exit-safe');
 * const jwt = new JwtInstrumentation();
 * const exitSafe = exitSafeTelemetry({ beforeDelivery: () => jwt.closeAuditTrail() });
 * startNodeSdk({ instrumentations: [new HttpInstrumentation(), jwt], ...exitSafe.sdkOptions() });
 * ```
 *
 * At the process's `exit` event — which runs even under `process.exit()` and after an uncaught exception — it
 * calls `beforeDelivery` (the closing audit checkpoint), then sends every span and log record the collector has
 * not acknowledged, queued or in flight, in one short synchronous send bounded by `timeoutMs`; what is still
 * unacknowledged then goes to the spool that the next start sends. It also sends what earlier processes spooled.
 */
import { context, diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, suppressTracing } from '@opentelemetry/core';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { exitSettingsFromEnv } from './env-config';
import { deliverSynchronously, type ExitReport } from './exit-delivery';
import { ExitSafeLogRecordProcessor, ExitSafeSpanProcessor, type ExitSafeQueue } from './exit-safe-processor';
import { createMetricExporter } from './metric-exporter';
import { otlpHttpEndpoint, type Signal, type SignalEndpoint } from './otlp-endpoint';
import { holdOpen } from './otlp-post';
import { defaultSpoolDir, sendSpool, type SpoolReplay, type SpoolSettings } from './spool';

export interface ExitSafeOptions {
  /**
   * The longest the end of the process may take for telemetry, export timeouts included: the bounded flush
   * while the event loop still runs and the synchronous send at `exit` together. Default 2000 ms
   * (`TOKENTRAIL_EXIT_TIMEOUT_MS`).
   */
  timeoutMs?: number;
  /** Where unacknowledged telemetry is spooled; default `TOKENTRAIL_SPOOL_DIR`, else per service under the OS temp directory. */
  spoolDir?: string;
  /** The spool directory's size cap in bytes; 0 turns spooling off. Default `TOKENTRAIL_SPOOL_MAX_BYTES`, else 64 MiB. */
  spoolMaxBytes?: number;
  /**
   * Called synchronously before the last flush and before the last delivery, while the SDK still accepts
   * records: seal the audit trail here (`jwt.closeAuditTrail()`, a no-op when nothing was recorded since).
   */
  beforeDelivery?: () => void;
}

export interface ExitSafeTelemetry {
  /** Present when traces go over OTLP/HTTP (`http/json` or `http/protobuf`). */
  readonly spanProcessor?: SpanProcessor;
  /** Present when log records go over OTLP/HTTP. */
  readonly logRecordProcessor?: LogRecordProcessor;
  /** Present when metrics go over OTLP/HTTP. */
  readonly metricReader?: MetricReader;
  /**
   * `startNodeSdk` options with the above. A signal whose exporter is something else (`grpc`, `console`,
   * `none`, …) is left to the SDK's own setup from the environment. `extraSpanProcessors` run before the
   * exporting processor (processors that change spans as they end).
   */
  sdkOptions(extraSpanProcessors?: SpanProcessor[]): {
    spanProcessors?: SpanProcessor[];
    logRecordProcessors?: LogRecordProcessor[];
    metricReaders?: MetricReader[];
  };
  /**
   * Seals the trail (`beforeDelivery`) and exports everything, holding the process open at most half of
   * `timeoutMs`; what is left is for the synchronous send at `exit`. `work` (the SDK's shutdown, say) runs
   * within the same bound.
   */
  finish(work?: () => Promise<void>): Promise<void>;
  /** The synchronous last delivery (run by the `exit` event; once). */
  deliverNow(): ExitReport | undefined;
  /** The replay of the spool started with this instance. */
  readonly spoolReplay: Promise<SpoolReplay>;
}

export const DEFAULT_EXIT_TIMEOUT_MS = 2000;
export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;

function serviceName(): string {
  const fromEnv = getStringFromEnv('OTEL_SERVICE_NAME');
  if (fromEnv) return fromEnv;
  const attribute = (getStringFromEnv('OTEL_RESOURCE_ATTRIBUTES') ?? '')
    .split(',')
    .map((pair) => pair.split('='))
    .find(([key]) => key?.trim() === 'service.name');
  return attribute?.[1] ? decodeURIComponent(attribute[1].trim()) : 'unknown_service';
}

function wholeNonNegative(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new TypeError(`${name} must be a whole number of at least 0 (got ${value})`);
  return value;
}

/** Builds the exit-safe processors from the `OTEL_*` environment and installs the exit path. Call once. */
export function exitSafeTelemetry(options: ExitSafeOptions = {}): ExitSafeTelemetry {
  const fromEnv = exitSettingsFromEnv();
  const timeoutMs = wholeNonNegative('timeoutMs', options.timeoutMs ?? fromEnv.timeoutMs ?? DEFAULT_EXIT_TIMEOUT_MS);
  const maxBytes = wholeNonNegative(
    'spoolMaxBytes',
    options.spoolMaxBytes ?? fromEnv.spoolMaxBytes ?? DEFAULT_SPOOL_MAX_BYTES,
  );
  const spoolDir = options.spoolDir ?? fromEnv.spoolDir ?? defaultSpoolDir(serviceName());
  const spool: SpoolSettings | undefined = maxBytes > 0 ? { dir: spoolDir, maxBytes } : undefined;

  const endpoints: Partial<Record<Signal, SignalEndpoint>> = {};
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const endpoint = otlpHttpEndpoint(signal);
    if (endpoint) endpoints[signal] = endpoint;
  }
  const spanProcessor = endpoints.traces && new ExitSafeSpanProcessor(endpoints.traces);
  const logRecordProcessor = endpoints.logs && new ExitSafeLogRecordProcessor(endpoints.logs);
  const exportIntervalMillis = getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const metricReader =
    endpoints.metrics &&
    new PeriodicExportingMetricReader({
      exporter: createMetricExporter(endpoints.metrics),
      exportIntervalMillis,
      // As the SDK does: an export never outlasts the interval.
      exportTimeoutMillis: Math.min(getNumberFromEnv('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, exportIntervalMillis),
    });
  // biome-ignore lint/suspicious/noExplicitAny: one list holds the span queue and the log record queue.
  const queues: ExitSafeQueue<any>[] = [spanProcessor?.queue, logRecordProcessor?.queue].filter((q) => q !== undefined);

  /** When the end that began with the last `finish()` must be over; a later exit gets a bound of its own. */
  let deadline: number | undefined;
  const endBy = () => (deadline = deadline !== undefined && Date.now() <= deadline ? deadline : Date.now() + timeoutMs);
  let delivered = false;
  const seal = () => {
    try {
      options.beforeDelivery?.();
    } catch (error) {
      diag.error('@tokentrail/register: beforeDelivery failed', error);
    }
  };

  const telemetry: ExitSafeTelemetry = {
    spanProcessor,
    logRecordProcessor,
    metricReader,
    sdkOptions(extraSpanProcessors = []) {
      return {
        ...(spanProcessor ? { spanProcessors: [...extraSpanProcessors, spanProcessor] } : {}),
        ...(logRecordProcessor ? { logRecordProcessors: [logRecordProcessor] } : {}),
        ...(metricReader ? { metricReaders: [metricReader] } : {}),
      };
    },
    async finish(work) {
      const deadline = endBy();
      seal();
      const release = holdOpen();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, Math.max(0, (deadline - Date.now()) / 2))),
      );
      try {
        await Promise.race([
          bound,
          Promise.all([work?.(), ...queues.map((q) => q.flush())]).catch((error) =>
            diag.error('@tokentrail/register: flushing telemetry failed', error),
          ),
        ]);
      } finally {
        clearTimeout(timer);
        release();
      }
    },
    deliverNow() {
      if (delivered) return undefined;
      delivered = true;
      const deadline = endBy();
      seal();
      try {
        const payloads = queues.flatMap((q) => q.takeUnacknowledged());
        const losses = queues.map((q) => ({ signal: q.endpoint.signal, ...q.lost }));
        return deliverSynchronously(payloads, losses, deadline, spool);
      } catch (error) {
        process.stderr.write(`[@tokentrail/register] the last delivery at exit failed: ${(error as Error).message}\n`);
        return undefined;
      }
    },
    spoolReplay:
      spool && queues.length > 0
        ? new Promise<SpoolReplay>((resolve) =>
            setImmediate(() =>
              resolve(context.with(suppressTracing(context.active()), () => sendSpool(spool, endpoints))),
            ),
          )
        : Promise.resolve({ sent: 0, kept: 0, rejected: 0 }),
  };
  void telemetry.spoolReplay.then(
    ({ sent, kept, rejected }) => {
      if (sent + kept + rejected === 0) return;
      process.stderr.write(
        `[@tokentrail/register] spool of earlier processes: ${sent} items delivered, ${kept} kept for the next start, ${rejected} refused by the collector\n`,
      );
    },
    (error) => diag.error('@tokentrail/register: sending the spool failed', error),
  );
  process.on('exit', () => telemetry.deliverNow());
  return telemetry;
}
