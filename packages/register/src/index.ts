/**
 * Zero-code start: `node --import @tokentrail/register app.mjs` or `node --require @tokentrail/register app.cjs`.
 *
 * Registers the ES module hook the instrumentations need, starts the OpenTelemetry SDK from the standard
 * `OTEL_*` environment (OTLP over HTTP, JSON or protobuf, for traces, logs and metrics) with
 * instrumentation-http and tokentrail's JwtInstrumentation configured from `TOKENTRAIL_*`, and delivers every
 * span and log record not yet acknowledged when the process ends, however it ends (see exit-safe.ts), without
 * taking SIGTERM or SIGINT away from the application.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { diag, logs, metrics, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { DEFAULT_TOKEN_QUERY_PARAMS, JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { configFromEnv, processDetailsFromEnv } from './env-config';
import { exitSafeTelemetry, type ExitSafeTelemetry } from './exit-safe';
import { httpInstrumentationConfig } from './http-config';
import { resourceDetectorsFromEnv } from './resource-detectors';
import { deliverOnExit } from './shutdown';
import { spanProcessors } from './trace-pipeline';

export { configFromEnv, ENV_VARIABLES } from './env-config';
export { exitSafeTelemetry } from './exit-safe';
export type { ExitSafeOptions, ExitSafeTelemetry } from './exit-safe';

let started: { shutdown(): Promise<void> } | undefined;
let exitSafe: ExitSafeTelemetry | undefined;
let stopping: Promise<void> | undefined;

/** Stops the SDK once. */
const stopSdk = () => (stopping ??= started ? started.shutdown() : Promise.resolve());

/**
 * Seals the audit trail with its closing checkpoint, then flushes and stops the SDK, within
 * `TOKENTRAIL_EXIT_TIMEOUT_MS`; for applications whose own signal handler calls process.exit(). (What is not
 * acknowledged by then is still delivered at exit.)
 */
export function shutdown(): Promise<void> {
  return exitSafe ? exitSafe.finish(stopSdk) : stopSdk();
}

/** `OTEL_SDK_DISABLED=true`, read as the SDK reads it: then nothing at all is done, as if this package were not loaded. */
const sdkDisabled = () => process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';

function start(): void {
  // Module hooks run in their own thread, which also runs --require preloads: only the main thread starts.
  if (!isMainThread || started || sdkDisabled()) return;
  register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename));
  let telemetry: ExitSafeTelemetry | undefined;
  try {
    const config = configFromEnv();
    const queryParams = config.tokenSources?.queryParams ?? DEFAULT_TOKEN_QUERY_PARAMS;
    const resourceDetectors = resourceDetectorsFromEnv(processDetailsFromEnv());
    const jwt = new JwtInstrumentation(config);
    const http = new HttpInstrumentation(httpInstrumentationConfig(queryParams));
    telemetry = exitSafeTelemetry({ beforeDelivery: () => jwt.closeAuditTrail() });
    // The scrubbing processor must see every span end, ahead of the exporting one.
    const scrubbing: SpanProcessor = jwt.spanProcessor();
    const options = telemetry.sdkOptions([scrubbing]);
    // Without an OTLP traces endpoint (OTEL_TRACES_EXPORTER=console or none) the spans are not exit-safe, but still scrubbed.
    started = startNodeSdk({
      instrumentations: [http, jwt],
      resourceDetectors,
      ...options,
      spanProcessors: options.spanProcessors ?? spanProcessors(scrubbing),
    });
    exitSafe = telemetry;
  } catch (error) {
    // A configuration error must be loud, but must not stop the application.
    console.error(`[@tokentrail/register] not started: ${(error as Error).message}`);
    return;
  }
  if (!process.env.TOKENTRAIL_PSEUDONYM_KEY) {
    // Said at start, where the person starting the service sees it: a diag warning would come only at the first token.
    console.error(
      '[@tokentrail/register] TOKENTRAIL_PSEUDONYM_KEY is not set: enduser.pseudo.id and jwt.token.fingerprint use a random key of ' +
        'this process and will not match other services or this one after a restart. Set the same key (at least 16 bytes) in every service.',
    );
  }
  if (!telemetry) return;
  deliverOnExit(
    { finish: () => telemetry.finish(forceFlush), deliverNow: () => void telemetry.deliverNow() },
    (error) => diag.error('@tokentrail/register: flushing telemetry failed', error),
  );
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
