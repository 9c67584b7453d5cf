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
import { batchLimitsFromEnv } from './batch-limits';
import { commaList } from './env-config';
import { otlpProtocol } from './otlp-endpoint';

function otlpExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol = otlpProtocol('traces', env);
  if (protocol === 'http/json') return new OtlpJsonExporter();
  if (protocol !== 'http/protobuf')
    diag.warn(`@tokentrail/register: OTLP traces protocol "${protocol}" is not supported; using http/protobuf`);
  return new OtlpProtobufExporter();
}

function batched(exporter: SpanExporter, env: NodeJS.ProcessEnv): SpanProcessor {
  const limits = batchLimitsFromEnv('OTEL_BSP', env);
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: limits.maxQueueSize,
    scheduledDelayMillis: limits.scheduledDelayMs,
    exportTimeoutMillis: limits.exportTimeoutMs,
    maxExportBatchSize: limits.maxExportBatchSize,
  });
}

/** The processors that export spans, from `OTEL_TRACES_EXPORTER` (default `otlp`). */
export function exportingSpanProcessors(env: NodeJS.ProcessEnv = process.env): SpanProcessor[] {
  const names = [...new Set(commaList(env.OTEL_TRACES_EXPORTER) ?? [])];
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
