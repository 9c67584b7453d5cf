/**
 * The OpenTelemetry SDK every benchmark measures against: batch span and log record processors, as a
 * production setup has them, into exporters that discard, so the figures are the instrumentation's and not the
 * network's. Metrics are read on demand (`reader.collect()`) or, with `periodic`, every second.
 */
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const discard = { export: (_items, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };

class OnDemandReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

export function installDiscardingSdk({ periodic = false, maxQueueSize = 4096, spanProcessors = [] } = {}) {
  const reader = periodic
    ? new PeriodicExportingMetricReader({ exporter: discard, exportIntervalMillis: 1000 })
    : new OnDemandReader();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new TracerProvider({
      spanProcessors: [...spanProcessors, new BatchSpanProcessor({ exporter: discard, maxQueueSize })],
    }),
  );
  logs.setGlobalLoggerProvider(
    new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: discard, maxQueueSize })] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return { reader };
}
