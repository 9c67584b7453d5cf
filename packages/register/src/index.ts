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
import { getBooleanFromEnv } from '@opentelemetry/core';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { configFromEnv } from './env-config';
import { exitSafeTelemetry, type ExitSafeTelemetry } from './exit-safe';
import { deliverOnExit } from './shutdown';

export { configFromEnv, ENV_VARIABLES } from './env-config';
export { exitSafeTelemetry } from './exit-safe';
export type { ExitSafeOptions, ExitSafeTelemetry } from './exit-safe';

/** Query parameters instrumentation-http redacts by default, plus the ones that carry tokens. */
const SERVER_QUERY_PARAMS_TO_REDACT = [
  'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token',
];

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

function start(): void {
  // Module hooks run in their own thread, which also runs --require preloads: only the main thread starts.
  if (!isMainThread || started) return;
  register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename));
  let telemetry: ExitSafeTelemetry | undefined;
  try {
    const config = configFromEnv();
    const queryParams = config.tokenSources?.queryParams ?? ['access_token', 'token', 'id_token'];
    const jwt = new JwtInstrumentation(config);
    const http = new HttpInstrumentation({ redactedQueryParamsServer: [...SERVER_QUERY_PARAMS_TO_REDACT, ...queryParams] });
    const disabled = getBooleanFromEnv('OTEL_SDK_DISABLED');
    telemetry = disabled ? undefined : exitSafeTelemetry({ beforeDelivery: () => jwt.closeAuditTrail() });
    // Span processors that change spans as they end go here, ahead of the exporting one.
    const extraSpanProcessors: SpanProcessor[] = [];
    started = startNodeSdk({ instrumentations: [http, jwt], ...telemetry?.sdkOptions(extraSpanProcessors) });
    exitSafe = telemetry;
  } catch (error) {
    // A configuration error must be loud, but must not stop the application.
    console.error(`[@tokentrail/register] not started: ${(error as Error).message}`);
    return;
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
