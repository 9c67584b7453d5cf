/**
 * Preloaded with `--import` by the HTTP benchmark: an SDK whose exporters discard (the benchmark measures the
 * instrumentation, not the network), instrumentation-http, and with BENCH_TOKENTRAIL=1 tokentrail (spans,
 * log records and metrics on; BENCH_TOKENTRAIL_CONFIG, a JSON object, is merged over its config).
 */
import { register } from 'node:module';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const discard = { export: (_items, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 8192 })] }));
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: discard, maxQueueSize: 8192 })] }));
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: discard, exportIntervalMillis: 1000 })] }));
const instrumentations = [new HttpInstrumentation()];
const tokentrailConfig = { pseudonymKey: 'bench-pseudonym-key-0123456789abcdef', ...JSON.parse(process.env.BENCH_TOKENTRAIL_CONFIG ?? '{}') };
if (process.env.BENCH_TOKENTRAIL === '1') instrumentations.push(new JwtInstrumentation(tokentrailConfig));
registerInstrumentations({ instrumentations });
