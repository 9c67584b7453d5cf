/**
 * What each SDK object costs on this machine: the OpenTelemetry JS SDK's own work for the objects tokentrail
 * emits, from constants, through batch processors into exporters that discard. Interleaved rounds in one
 * process, median CPU µs per object:
 * - a span started and ended (two attributes at start, twelve more before its end, as a `jwt.verify` span);
 * - attributes set on an existing span (the seven a request's outcome writes on the server span);
 * - a log record with the attributes of a `jwt.request` record that carries its verify (about thirty);
 * - the same record with the attributes of a `jwt.verify` record (about fifteen);
 * - a histogram point with the four metric attributes of `jwt.operation.duration`;
 * - a context with a span set (`trace.setSpan`), as an operation's context is made.
 *
 *   node bench/sdk-objects.mjs [rounds=9]
 * Writes bench/results/sdk-objects.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { installDiscardingSdk } from './support/discarding-sdk.mjs';
import { median } from './support/cpu.mjs';

const ROUNDS = Number(process.argv[2] ?? 9);
const COUNT = 20_000;
installDiscardingSdk({ maxQueueSize: 4096 });
const tracer = trace.getTracer('sdk-objects');
const logger = logs.getLogger('sdk-objects');
const histogram = metrics.getMeter('sdk-objects').createHistogram('jwt.operation.duration', { unit: 's' });

const FP = '0123456789abcdef0123456789abcdef';
const VERIFY = {
  'jwt.operation': 'verify',
  'jwt.library': 'jose',
  'jwt.validation.outcome': 'valid',
  'jwt.header.alg': 'HS256',
  'jwt.token.fingerprint': FP,
  'jwt.claims.iss': 'https://idp.example',
  'jwt.claims.aud': ['orders-api'],
  'jwt.claims.exp': 1795987961,
  'jwt.claims.scope': ['orders:read'],
  'enduser.pseudo.id': FP,
  'jwt.key.fingerprint': FP,
  'jwt.findings': ['missing_jti'],
};
const OUTCOME = {
  'jwt.validation.outcome': 'valid',
  'enduser.pseudo.id': FP,
  'jwt.claims.iss': 'https://idp.example',
  'jwt.token.fingerprint': FP,
  'jwt.token.source': 'authorization',
  'jwt.authz.outcome': 'allowed',
  'jwt.findings': ['missing_jti'],
};
const HTTP = {
  'http.request.method': 'GET',
  'url.path': '/orders',
  'url.scheme': 'http',
  'client.address': '127.0.0.1',
  'network.peer.address': '127.0.0.1',
  'network.peer.port': 40000,
  'server.port': 3000,
  'user_agent.original': 'autocannon',
  'http.response.status_code': 200,
  'http.route': '/orders',
};
const TRAIL = { 'jwt.audit.stream': FP, 'jwt.audit.seq': 1, 'jwt.audit.chain': FP + FP };
const REQUEST_RECORD = { ...HTTP, ...VERIFY, ...OUTCOME, ...TRAIL };
const VERIFY_RECORD = { ...VERIFY, ...TRAIL };
const DIMENSIONS = {
  'jwt.operation': 'verify',
  'jwt.library': 'jose',
  'jwt.validation.outcome': 'valid',
  'jwt.header.alg': 'HS256',
};
const server = tracer.startSpan('GET');
const serverContext = trace.setSpan(context.active(), server);

const OBJECTS = {
  'span (started with 2 attributes, 12 more, ended)': () => {
    const span = tracer.startSpan(
      'jwt.verify',
      { attributes: { 'jwt.operation': 'verify', 'jwt.library': 'jose' } },
      serverContext,
    );
    span.setAttributes(VERIFY);
    span.end();
  },
  'attributes on an existing span (7)': () => server.setAttributes(OUTCOME),
  [`log record, a jwt.request carrying its verify (${Object.keys(REQUEST_RECORD).length} attributes)`]: () =>
    logger.emit({
      eventName: 'jwt.request',
      severityNumber: 9,
      severityText: 'INFO',
      timestamp: Date.now(),
      context: serverContext,
      attributes: { ...REQUEST_RECORD },
    }),
  [`log record, a jwt.verify (${Object.keys(VERIFY_RECORD).length} attributes)`]: () =>
    logger.emit({
      eventName: 'jwt.verify',
      severityNumber: 9,
      severityText: 'INFO',
      timestamp: Date.now(),
      context: serverContext,
      attributes: { ...VERIFY_RECORD },
    }),
  'histogram point (4 attributes)': () => histogram.record(0.00004, DIMENSIONS),
  'context with a span set': () => trace.setSpan(serverContext, server),
};

function measure(fn) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < COUNT; i += 1) fn();
  const { user, system } = process.cpuUsage(cpu);
  return (user + system) / COUNT;
}

const runs = Object.fromEntries(Object.keys(OBJECTS).map((name) => [name, []]));
for (const fn of Object.values(OBJECTS)) measure(fn); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, fn] of Object.entries(OBJECTS)) {
    runs[name].push(measure(fn));
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the batch processors export
  }
}
const rows = Object.entries(runs).map(([object, values]) => ({ object, 'CPU µs': +median(values).toFixed(2) }));
console.table(rows);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'sdk-objects.json'),
  JSON.stringify({ node: process.version, rounds: ROUNDS, count: COUNT, rows }, null, 2),
);
