/**
 * Preloaded with `--import` by the HTTP benchmark's exporting configurations: the SDK started as
 * @tokentrail/register starts it (instrumentation-http + tokentrail, OTLP/HTTP protobuf to the benchmark's
 * sink), with BENCH_EXPORT choosing the span and log record processors:
 * - `sdk`: the SDK's own BatchSpanProcessor / BatchLogRecordProcessor and OTLP exporters, from the environment;
 * - `exit-safe`: the register's processors, which keep every item until the collector acknowledges it.
 */
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { exitSafeTelemetry } from '@tokentrail/register/exit-safe';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const jwt = new JwtInstrumentation({ pseudonymKey: 'bench-pseudonym-key-0123456789abcdef' });
const instrumentations = [new HttpInstrumentation(), jwt];
const processors =
  process.env.BENCH_EXPORT === 'exit-safe'
    ? exitSafeTelemetry({ beforeDelivery: () => jwt.closeAuditTrail(), spoolMaxBytes: 0 }).sdkOptions()
    : {};
startNodeSdk({ instrumentations, ...processors });
