/**
 * A real OpenTelemetry SDK wired to in-memory exporters, for tests: every span, log record and metric point
 * the instrumentation produces can be read back, and everything exported can be scanned for secrets.
 */
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { LeakScanner } from './leak-scanner.mjs';

class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  async onForceFlush() {}
  async onShutdown() {}
}

/**
 * Every span and log record exported in a test file, and every metric collection, is scanned as it is
 * exported against the secrets the file registered on `telemetry.leaks`, and kept: at the end of the file
 * everything is scanned again, so that a secret registered after the export that carried it is still checked.
 * The file fails at the end if any was found.
 */
function scanned(exporter, leaks, found, kind, everything) {
  const original = exporter.export.bind(exporter);
  exporter.export = (items, done) => {
    everything[kind].push(...items);
    if (leaks.size > 0) {
      const leak = leaks.findLeak({ [kind]: items });
      if (leak) found.push(leak);
    }
    return original(items, done);
  };
  return exporter;
}

/** Metric collections as exported: descriptor (name, description, unit) and data points. */
function exportedMetrics(resourceMetrics) {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.map((metric) => ({ ...metric.descriptor, dataPoints: metric.dataPoints })),
  );
}

/**
 * Span processors added after the provider exists (a JwtInstrumentation's scrubbing processor is made once
 * the instrumentation is): the provider calls each hook of each one, onEnding included.
 */
class AddedSpanProcessors {
  processors = [];
  onStart(span, parentContext) {
    for (const p of this.processors) p.onStart(span, parentContext);
  }
  onEnding(span) {
    for (const p of this.processors) p.onEnding?.(span);
  }
  onEnd(span) {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush() {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown() {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}

export function setupTelemetry() {
  const leaks = new LeakScanner();
  const found = [];
  const everything = { spans: [], logRecords: [], metrics: [] };
  const reader = new PullReader();
  const collect = reader.collect.bind(reader);
  reader.collect = async (options) => {
    const collection = await collect(options);
    const metrics = exportedMetrics(collection.resourceMetrics);
    everything.metrics.push(...metrics);
    if (leaks.size > 0) {
      const leak = leaks.findLeak({ metrics });
      if (leak) found.push(leak);
    }
    return collection;
  };
  // Only inside the test runner: fixtures run as plain child processes use the same helper.
  if (process.env.NODE_TEST_CONTEXT) {
    after(async () => {
      assert.deepEqual(found, [], 'no registered secret was exported by any test in this file');
      await reader.collect().catch(() => undefined);
      assert.deepEqual(
        leaks.findLeaks(everything, 5),
        [],
        'no secret registered by the end of the file is in anything the file exported',
      );
    });
  }
  const spanExporter = scanned(new InMemorySpanExporter(), leaks, found, 'spans', everything);
  const logExporter = scanned(new InMemoryLogRecordExporter(), leaks, found, 'logRecords', everything);
  const added = new AddedSpanProcessors();
  const tracerProvider = new TracerProvider({
    spanProcessors: [added, new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    /** Register a file's secrets here: every export of the file is checked against them. */
    leaks,
    /** Adds a span processor to the provider, e.g. `jwt.spanProcessor()`. */
    addSpanProcessor(processor) {
      added.processors.push(processor);
    },
    tracerProvider,
    loggerProvider,
    meterProvider,
    spans: () => spanExporter.getFinishedSpans(),
    logRecords: () => logExporter.getFinishedLogRecords(),
    /** All data points of one metric, across scopes. */
    async metricPoints(name) {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints),
      );
    },
    /** Every metric as exported now: name, description, unit and data points (with their attributes). */
    async allMetrics() {
      return exportedMetrics((await reader.collect()).resourceMetrics);
    },
    /** Everything exported so far (spans, log records, metric collections), for scanning. */
    everything,
    reset() {
      spanExporter.reset();
      logExporter.reset();
    },
  };
}
