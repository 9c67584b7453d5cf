/**
 * HTTP throughput and latency side by side: the same express 5 app (jose verify of a bearer token per request)
 * with no telemetry, with instrumentation-http alone, and with instrumentation-http + tokentrail, each in its
 * own process, loaded in turn by autocannon over loopback in interleaved rounds. Latency is each response's
 * own time as the client measured it (sub-millisecond), so p50 and p99 are exact over every request. Beside
 * wall-clock req/s, each app's own CPU time per request (from /proc) is reported: on a shared machine the
 * wall clock also counts the time other processes held the cores, the app's CPU time does not.
 *
 * Two more configurations export for real, OTLP/HTTP protobuf to a sink process on loopback, with the SDK's
 * batch processors or with @tokentrail/register's exit-safe processors (which keep every item until the
 * collector acknowledges it, for the exit path): what delivery at exit costs while the process runs.
 *
 *   node bench/http-export.mjs [rounds=5] [seconds=5]
 * Writes bench/results/http-export.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { load, median, percentile } from './support/http-load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = 8;
const USERS = 256;
const secret = randomBytes(32).toString('hex');

const EXIT_SAFE = 'tokentrail + http, OTLP export, exit-safe processors';
const SDK_BATCH = 'tokentrail + http, OTLP export, SDK batch processors';
const CONFIGS = {
  'no telemetry': { flags: [] },
  'instrumentation-http': { flags: ['--import', join(here, 'http/telemetry.mjs')] },
  'instrumentation-http + tokentrail': {
    flags: ['--import', join(here, 'http/telemetry.mjs')],
    env: { BENCH_TOKENTRAIL: '1' },
  },
  [SDK_BATCH]: {
    flags: ['--import', join(here, 'http/telemetry-otlp.mjs')],
    env: { BENCH_EXPORT: 'sdk' },
    exports: true,
  },
  [EXIT_SAFE]: {
    flags: ['--import', join(here, 'http/telemetry-otlp.mjs')],
    env: { BENCH_EXPORT: 'exit-safe' },
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

/** Starts a process that prints `{"port": …}` on a line of its own (diagnostics may come before it). */
async function spawnReporting(args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = text.match(/^\{"port":(\d+)\}$/m);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`${args.join(' ')} ended before printing its port:\n${text}`)));
  });
  return { child, port };
}

async function start(name, { flags, env = {}, exports }, sinkPort) {
  const { child, port } = await spawnReporting([...flags, join(here, 'http/app.mjs')], {
    BENCH_SECRET: secret,
    BENCH_TOKENTRAIL: '0',
    ...env,
    ...(exports ? exportEnv(sinkPort) : {}),
  });
  return { name, child, port };
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

const sink = await spawnReporting([join(here, 'http/otlp-sink.mjs')], {});
const servers = [];
for (const [name, config] of Object.entries(CONFIGS)) servers.push(await start(name, config, sink.port));
try {
  for (const server of servers) await load(server, 2, CONNECTIONS, tokens); // warm-up
  const runs = new Map(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const server of servers) {
      const run = await load(server, SECONDS, CONNECTIONS, tokens);
      if (run.errors > 0 || Object.keys(run.statuses).some((s) => s !== '200'))
        throw new Error(`${server.name}: ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
      runs.get(server.name).push(run);
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
  const [bare, http, full, sdkBatch, exitSafe] = rows;
  const comparison = {
    'exit-safe / SDK batch processors req/s (both exporting)': +(exitSafe.rps / sdkBatch.rps).toFixed(3),
    'exit-safe / SDK batch processors requests per CPU-second': +(
      sdkBatch['app CPU µs/request'] / exitSafe['app CPU µs/request']
    ).toFixed(3),
    'added p50 ms (exit-safe)': +(exitSafe.p50 - sdkBatch.p50).toFixed(3),
    'added p99 ms (exit-safe)': +(exitSafe.p99 - sdkBatch.p99).toFixed(3),
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
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(servers.map(({ child }) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))));
  sink.child.kill('SIGTERM');
}
