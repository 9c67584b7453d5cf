/**
 * HTTP throughput and latency side by side: the same express 5 app (jose verify of a bearer token per request)
 * with no telemetry, with instrumentation-http alone, and with instrumentation-http + tokentrail, each in its
 * own process, loaded in turn by autocannon over loopback in interleaved rounds. Latency is each response's
 * own time as the client measured it (sub-millisecond), so p50 and p99 are exact over every request. Beside
 * wall-clock req/s, each app's own CPU time per request (from /proc) is reported: on a shared machine the
 * wall clock also counts the time other processes held the cores, the app's CPU time does not.
 *
 * The other configurations export for real, OTLP/HTTP protobuf, each to its own sink process on loopback:
 * - instrumentation-http alone (configured as the register configures it) through the SDK's batch processors,
 *   against the app started with `--import @tokentrail/register` as users start it: what the audit costs
 *   when both export (app CPU per request; the sinks' CPU is not counted). Each sink counts the `jwt.request`
 *   records it received, and the register's must hold one for every request the app answered, warm-up
 *   included: nothing dropped;
 * - tokentrail + instrumentation-http with the SDK's batch processors or with the register's exit-safe
 *   processors (which keep every item until the collector acknowledges it, for the exit path): what delivery
 *   at exit costs while the process runs.
 *
 *   node bench/http-export.mjs [rounds=5] [seconds=5]
 * Writes bench/results/http-export.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { bearerTurns, load, median, percentile, spawnReporting } from './support/http-load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = 8;
const USERS = 256;
const secret = randomBytes(32).toString('hex');

const EXIT_SAFE = 'tokentrail + http, OTLP export, exit-safe processors';
const SDK_BATCH = 'tokentrail + http, OTLP export, SDK batch processors';
const HTTP_EXPORT = 'instrumentation-http, OTLP export';
const REGISTER = 'tokentrail + http, OTLP export, --import @tokentrail/register';
const CONFIGS = {
  'no telemetry': { flags: [] },
  'instrumentation-http': { flags: ['--import', join(here, 'http/telemetry.mjs')] },
  'instrumentation-http + tokentrail': {
    flags: ['--import', join(here, 'http/telemetry.mjs')],
    env: { BENCH_TOKENTRAIL: '1' },
  },
  [SDK_BATCH]: {
    flags: ['--import', join(here, 'http/telemetry-otlp.mjs')],
    env: { BENCH_EXPORT: 'sdk', BENCH_TOKENTRAIL: '1' },
    exports: true,
  },
  [EXIT_SAFE]: {
    flags: ['--import', join(here, 'http/telemetry-otlp.mjs')],
    env: { BENCH_EXPORT: 'exit-safe', BENCH_TOKENTRAIL: '1' },
    exports: true,
  },
  [HTTP_EXPORT]: {
    flags: ['--import', join(here, 'http/telemetry-otlp.mjs')],
    env: { BENCH_EXPORT: 'sdk', BENCH_TOKENTRAIL: '0' },
    exports: true,
  },
  [REGISTER]: {
    flags: ['--import', import.meta.resolve('@tokentrail/register')],
    env: { TOKENTRAIL_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdef', TOKENTRAIL_SPOOL_MAX_BYTES: '0' },
    exports: true,
  },
};

/** Both exporting configurations: the same queues (room for a second of this load) and the same sink. */
const exportEnv = (port) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_BSP_MAX_QUEUE_SIZE: '8192',
  OTEL_BLRP_MAX_QUEUE_SIZE: '8192',
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
  OTEL_METRIC_EXPORT_TIMEOUT: '1000',
  OTEL_NODE_RESOURCE_DETECTORS: 'service',
});

/** Starts one configuration's app, and its own sink when it exports. */
async function start(name, { flags, env = {}, exports }) {
  const sink = exports ? await spawnReporting([join(here, 'http/otlp-sink.mjs')], {}) : undefined;
  const { child, port } = await spawnReporting([...flags, join(here, 'http/app.mjs')], {
    BENCH_SECRET: secret,
    BENCH_TOKENTRAIL: '0',
    OTEL_SERVICE_NAME: 'bench-orders',
    ...env,
    ...(sink ? exportEnv(sink.port) : {}),
  });
  return { name, child, port, sink, answered: 0 };
}

/** What a sink counted. */
async function sinkCount(sink) {
  const response = await fetch(`http://127.0.0.1:${sink.port}/count`);
  return response.json();
}

const key = new TextEncoder().encode(secret);
const exp = Math.floor(Date.now() / 1000) + 3600;
const tokens = await Promise.all(
  Array.from({ length: USERS }, (_, i) =>
    new SignJWT({ sub: `user-${i}`, scope: 'orders:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.example')
      .setAudience('orders-api')
      .setExpirationTime(exp)
      .sign(key),
  ),
);

const servers = [];
for (const [name, config] of Object.entries(CONFIGS)) servers.push(await start(name, config));
let delivery;
try {
  for (const server of servers) server.answered += (await load(server, 2, CONNECTIONS, bearerTurns(tokens))).requests; // warm-up
  const runs = new Map(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const server of servers) {
      const run = await load(server, SECONDS, CONNECTIONS, bearerTurns(tokens));
      if (run.errors > 0 || Object.keys(run.statuses).some((s) => s !== '200'))
        throw new Error(`${server.name}: ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
      runs.get(server.name).push(run);
      server.answered += run.requests;
      console.log(
        `round ${round + 1} ${server.name}: ${Math.round(run.rps)} req/s, ${Math.round(run.cpuPerRequest)} µs CPU/request`,
      );
    }
  }
  const rows = [...runs].map(([name, list]) => {
    const latencies = Float64Array.from(list.flatMap((r) => r.latencies)).sort();
    const cpuPerRequest = median(list.map((r) => r.cpuPerRequest));
    return {
      name,
      requests: latencies.length,
      rps: Math.round(median(list.map((r) => r.rps))),
      'app CPU µs/request': Math.round(cpuPerRequest),
      p50: +percentile(latencies, 50).toFixed(3),
      p99: +percentile(latencies, 99).toFixed(3),
    };
  });
  const [bare, http, full, sdkBatch, exitSafe, httpExport, registered] = rows;
  // Every request the register's app answered has its jwt.request record at its sink once the app has ended the
  // common way (SIGTERM → server.close → process.exit). The app also answers the requests in flight when a run
  // stops (autocannon no longer counts those): at most one per connection per run more.
  const register = servers.find((s) => s.name === REGISTER);
  await new Promise((resolve) => register.child.once('exit', resolve).kill('SIGTERM'));
  const { requestRecords, unreadable } = await sinkCount(register.sink);
  if (unreadable > 0) throw new Error(`the sink could not read ${unreadable} log exports`);
  const inFlight = CONNECTIONS * (ROUNDS + 1);
  delivery = {
    answered: register.answered,
    'jwt.request records at the sink': requestRecords,
    'in flight when runs stopped, at most': inFlight,
  };
  console.table(delivery);
  if (requestRecords < register.answered || requestRecords > register.answered + inFlight)
    throw new Error(`${register.answered} requests answered, ${requestRecords} jwt.request records delivered`);
  const comparison = {
    'exit-safe / SDK batch processors req/s (both exporting)': +(exitSafe.rps / sdkBatch.rps).toFixed(3),
    'exit-safe / SDK batch processors requests per CPU-second': +(
      sdkBatch['app CPU µs/request'] / exitSafe['app CPU µs/request']
    ).toFixed(3),
    'added p50 ms (exit-safe)': +(exitSafe.p50 - sdkBatch.p50).toFixed(3),
    'added p99 ms (exit-safe)': +(exitSafe.p99 - sdkBatch.p99).toFixed(3),
    'tokentrail+http / http requests per CPU-second, both exporting (register / http)': +(
      httpExport['app CPU µs/request'] / registered['app CPU µs/request']
    ).toFixed(3),
    'tokentrail+http / http req/s, both exporting': +(registered.rps / httpExport.rps).toFixed(3),
    'added p50 ms (register, exporting)': +(registered.p50 - httpExport.p50).toFixed(3),
    'tokentrail+http / http req/s': +(full.rps / http.rps).toFixed(3),
    'tokentrail+http / http requests per CPU-second': +(
      http['app CPU µs/request'] / full['app CPU µs/request']
    ).toFixed(3),
    'http / none req/s': +(http.rps / bare.rps).toFixed(3),
    'added p50 ms (tokentrail)': +(full.p50 - http.p50).toFixed(3),
    'added p99 ms (tokentrail)': +(full.p99 - http.p99).toFixed(3),
  };
  console.table(rows);
  console.table(comparison);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results/http-export.json'),
    JSON.stringify(
      {
        node: process.version,
        rounds: ROUNDS,
        seconds: SECONDS,
        connections: CONNECTIONS,
        users: USERS,
        rows,
        comparison,
        delivery,
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(
    servers.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')),
    ),
  );
  for (const { sink } of servers) sink?.child.kill('SIGTERM');
}
