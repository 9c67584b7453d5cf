/**
 * Preloaded with `--import` by the HTTP benchmark's exporting configurations: the SDK started from the
 * environment (OTLP/HTTP protobuf to the benchmark's sink), with instrumentation-http configured as
 * @tokentrail/register configures it, and with BENCH_TOKENTRAIL=1 tokentrail too. BENCH_EXPORT chooses the
 * span and log record processors:
 * - `sdk`: the SDK's own BatchSpanProcessor / BatchLogRecordProcessor and OTLP exporters, from the environment;
 * - `exit-safe`: the register's processors, which keep every item until the collector acknowledges it.
 * (The configuration measured as users run it is `--import @tokentrail/register` itself.)
 */
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { exitSafeTelemetry } from '@tokentrail/register/exit-safe';
import { httpInstrumentationConfig } from '@tokentrail/register/http-config';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const jwt =
  process.env.BENCH_TOKENTRAIL === '0'
    ? undefined
    : new JwtInstrumentation({ pseudonymKey: 'bench-pseudonym-key-0123456789abcdef' });
const instrumentations = [new HttpInstrumentation(httpInstrumentationConfig()), ...(jwt ? [jwt] : [])];
const processors =
  process.env.BENCH_EXPORT === 'exit-safe'
    ? exitSafeTelemetry({ beforeDelivery: () => jwt?.closeAuditTrail(), spoolMaxBytes: 0 }).sdkOptions()
    : {};
startNodeSdk({ instrumentations, ...processors });
