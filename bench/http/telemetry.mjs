/**
 * Preloaded with `--import` by the HTTP benchmark: an SDK whose exporters discard (the benchmark measures the
 * instrumentation, not the network), instrumentation-http configured exactly as `@tokentrail/register`
 * configures it, and, with BENCH_TOKENTRAIL=1, tokentrail in the configuration the register starts by default
 * (BENCH_TOKENTRAIL_CONFIG, a JSON object, is merged over it). With BENCH_FLOOR=1, instead of tokentrail, the
 * floor: the SDK objects tokentrail emits for one audited request, made from constants (see ./floor.mjs).
 */
import { register } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { httpInstrumentationConfig } from '@tokentrail/register/http-config';
import { installDiscardingSdk } from '../support/discarding-sdk.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const tokentrailConfig = {
  pseudonymKey: 'bench-pseudonym-key-0123456789abcdef',
  ...JSON.parse(process.env.BENCH_TOKENTRAIL_CONFIG ?? '{}'),
};
const jwt = process.env.BENCH_TOKENTRAIL === '1' ? new JwtInstrumentation(tokentrailConfig) : undefined;
// As the register does: tokentrail's scrubbing span processor ahead of the exporting one.
installDiscardingSdk({ periodic: true, maxQueueSize: 8192, spanProcessors: jwt ? [jwt.spanProcessor()] : [] });
const instrumentations = [
  new HttpInstrumentation(httpInstrumentationConfig(tokentrailConfig.tokenSources?.queryParams)),
];
if (jwt) instrumentations.push(jwt);
registerInstrumentations({ instrumentations });
if (process.env.BENCH_FLOOR === '1') await import('./floor.mjs');
