/**
 * Zero-code start: `node --import @tokentrail/register app.mjs` or `node --require @tokentrail/register app.cjs`.
 *
 * Registers the ES module hook the instrumentations need, starts the OpenTelemetry SDK from the standard
 * `OTEL_*` environment (OTLP over HTTP, JSON or protobuf, for traces, logs and metrics) with
 * instrumentation-http and tokentrail's JwtInstrumentation configured from `TOKENTRAIL_*`, and flushes every
 * signal on SIGTERM, SIGINT and normal exit without taking those signals away from the application.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { diag, logs, metrics, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { DEFAULT_TOKEN_QUERY_PARAMS, JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { configFromEnv, processDetailsFromEnv, shutdownGraceFromEnv } from './env-config';
import { httpInstrumentationConfig } from './http-config';
import { resourceDetectorsFromEnv } from './resource-detectors';
import { spanProcessors } from './trace-pipeline';
import { flushOnExit } from './shutdown';

export { configFromEnv, ENV_VARIABLES } from './env-config';

let started: { shutdown(): Promise<void> } | undefined;
let jwtInstrumentation: JwtInstrumentation | undefined;

/**
 * Seals the audit trail with its closing checkpoint, then flushes and stops the SDK; for applications whose
 * own signal handler calls process.exit().
 */
export function shutdown(): Promise<void> {
  jwtInstrumentation?.closeAuditTrail();
  return started ? started.shutdown() : Promise.resolve();
}

function start(): void {
  // Module hooks run in their own thread, which also runs --require preloads: only the main thread starts.
  if (!isMainThread || started) return;
  register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename));
  let jwt: JwtInstrumentation;
  let graceMs: number;
  try {
    const config = configFromEnv();
    graceMs = shutdownGraceFromEnv();
    const queryParams = config.tokenSources?.queryParams ?? DEFAULT_TOKEN_QUERY_PARAMS;
    const resourceDetectors = resourceDetectorsFromEnv(processDetailsFromEnv());
    jwt = new JwtInstrumentation(config);
    const http = new HttpInstrumentation(httpInstrumentationConfig(queryParams));
    started = startNodeSdk({ instrumentations: [http, jwt], spanProcessors: spanProcessors(jwt.spanProcessor()), resourceDetectors });
    jwtInstrumentation = jwt;
  } catch (error) {
    // A configuration error must be loud, but must not stop the application.
    console.error(`[@tokentrail/register] not started: ${(error as Error).message}`);
    return;
  }
  flushOnExit({ flush: forceFlush, shutdown }, graceMs, (error) => diag.error('@tokentrail/register: flushing telemetry failed', error));
}

/** Exports what the global providers hold without stopping them. */
async function forceFlush(): Promise<void> {
  type Flushable = { forceFlush?: () => Promise<void>; getDelegate?: () => unknown };
  const providers = [trace.getTracerProvider(), logs.getLoggerProvider(), metrics.getMeterProvider()] as Flushable[];
  await Promise.all(
    providers.map((provider) => {
      const sdkProvider = (provider.getDelegate?.() ?? provider) as Flushable;
      return sdkProvider.forceFlush?.();
    }),
  );
}

start();
