/**
 * Preloaded with `--import` by the HTTP benchmarks: an SDK whose exporters discard (the benchmark measures the
 * instrumentation, not the network), instrumentation-http, and with BENCH_TOKENTRAIL=1 tokentrail (spans,
 * log records and metrics on; BENCH_TOKENTRAIL_CONFIG, a JSON object, is merged over its config).
 * BENCH_HTTP_CONFIG, a JSON object, is instrumentation-http's config (the hostile-input benchmark gives it the
 * query parameters @tokentrail/register has it redact).
 */
import { register } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { installDiscardingSdk } from '../support/discarding-sdk.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
installDiscardingSdk({ periodic: true, maxQueueSize: 8192 });
const instrumentations = [new HttpInstrumentation(JSON.parse(process.env.BENCH_HTTP_CONFIG ?? '{}'))];
const tokentrailConfig = { pseudonymKey: 'bench-pseudonym-key-0123456789abcdef', ...JSON.parse(process.env.BENCH_TOKENTRAIL_CONFIG ?? '{}') };
if (process.env.BENCH_TOKENTRAIL === '1') instrumentations.push(new JwtInstrumentation(tokentrailConfig));
registerInstrumentations({ instrumentations });
