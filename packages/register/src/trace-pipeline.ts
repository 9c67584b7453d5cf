/**
 * The span processors the register installs: tokentrail's scrubbing processor first, then the exporting ones
 * built from the standard `OTEL_*` environment, as the SDK would build them. (Passing `spanProcessors` to
 * `startNodeSdk` turns off its own `OTEL_TRACES_EXPORTER` handling, so it is done here.)
 *
 * `OTEL_TRACES_EXPORTER`: `otlp` (default), `console`, `none`; `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` /
 * `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (default) or `http/json`; the exporters read their endpoint,
 * headers and timeout from the environment themselves; `OTEL_BSP_*` sets the batch processor's delays and sizes.
 */
import { diag } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

function listFromEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  return [
    ...new Set(
      (env[name] ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  diag.warn(`@tokentrail/register: ${name} must be a number of at least 0 (got "${value}"); using the default`);
  return undefined;
}

function otlpExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol =
    (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() || 'http/protobuf';
  if (protocol === 'http/json') return new OtlpJsonExporter();
  if (protocol !== 'http/protobuf')
    diag.warn(`@tokentrail/register: OTLP traces protocol "${protocol}" is not supported; using http/protobuf`);
  return new OtlpProtobufExporter();
}

function batched(exporter: SpanExporter, env: NodeJS.ProcessEnv): SpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: numberFromEnv(env, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: numberFromEnv(env, 'OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: numberFromEnv(env, 'OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: numberFromEnv(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  });
}

/** The processors that export spans, from `OTEL_TRACES_EXPORTER` (default `otlp`). */
export function exportingSpanProcessors(env: NodeJS.ProcessEnv = process.env): SpanProcessor[] {
  const names = listFromEnv(env, 'OTEL_TRACES_EXPORTER');
  if (names.includes('none')) return [];
  const processors: SpanProcessor[] = [];
  for (const name of names.length > 0 ? names : ['otlp']) {
    if (name === 'otlp') processors.push(batched(otlpExporter(env), env));
    else if (name === 'console') processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    else diag.warn(`@tokentrail/register: unsupported OTEL_TRACES_EXPORTER "${name}"; supported: otlp, console, none`);
  }
  return processors;
}

/**
 * Every span processor the register installs: the scrubbing one (which must see each span end) before the
 * exporting ones; none when nothing exports spans (`OTEL_TRACES_EXPORTER=none`), so that no span is made at all.
 */
export function spanProcessors(scrubbing: SpanProcessor, env: NodeJS.ProcessEnv = process.env): SpanProcessor[] {
  const exporting = exportingSpanProcessors(env);
  return exporting.length > 0 ? [scrubbing, ...exporting] : [];
}
