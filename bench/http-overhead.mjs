/**
 * HTTP throughput and latency side by side: the same express 5 app (jose verify of a bearer token per request)
 * with no telemetry, with instrumentation-http alone, and with instrumentation-http + tokentrail, each in its
 * own process, loaded in turn by autocannon over loopback in interleaved rounds. Latency is each response's
 * own time as the client measured it (sub-millisecond), so p50 and p99 are exact over every request. Beside
 * wall-clock req/s, each app's own CPU time per request (from /proc) is reported: on a shared machine the
 * wall clock also counts the time other processes held the cores, the app's CPU time does not.
 *
 *   node bench/http-overhead.mjs [rounds=5] [seconds=5]
 * Writes bench/results/http-overhead.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = 8;
const USERS = 256;
const secret = randomBytes(32).toString('hex');

const CONFIGS = {
  'no telemetry': [],
  'instrumentation-http': ['--import', join(here, 'http/telemetry.mjs')],
  'instrumentation-http + tokentrail': ['--import', join(here, 'http/telemetry.mjs')],
};

async function start(name, flags) {
  const env = { ...process.env, BENCH_SECRET: secret, BENCH_TOKENTRAIL: name.includes('tokentrail') ? '1' : '0' };
  const child = spawn(process.execPath, [...flags, join(here, 'http/app.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { name, child, port: JSON.parse(String(line)).port };
}

const key = new TextEncoder().encode(secret);
const exp = Math.floor(Date.now() / 1000) + 3600;
const tokens = await Promise.all(
  Array.from({ length: USERS }, (_, i) =>
    new SignJWT({ sub: `user-${i}`, scope: 'orders:read' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.example').setAudience('orders-api').setExpirationTime(exp).sign(key),
  ),
);

/** CPU time (user + system) a process has used, in microseconds, from /proc/<pid>/stat. */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/** One autocannon run; every response's latency, and any non-200 answer, is kept. */
async function load({ port, child }, seconds) {
  const cpuBefore = cpuMicros(child.pid);
  let next = 0;
  const latencies = [];
  const statuses = new Map();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/orders`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${tokens[next++ % USERS]}` } }) }],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
  });
  const result = await instance;
  const cpuPerRequest = (cpuMicros(child.pid) - cpuBefore) / latencies.length;
  return { requests: latencies.length, rps: latencies.length / (result.duration ?? seconds), cpuPerRequest, latencies, statuses: Object.fromEntries(statuses), errors: result.errors };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const servers = [];
for (const [name, flags] of Object.entries(CONFIGS)) servers.push(await start(name, flags));
try {
  for (const server of servers) await load(server, 2); // warm-up
  const runs = new Map(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const server of servers) {
      const run = await load(server, SECONDS);
      if (run.errors > 0 || Object.keys(run.statuses).some((s) => s !== '200')) throw new Error(`${server.name}: ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
      runs.get(server.name).push(run);
      console.log(`round ${round + 1} ${server.name}: ${Math.round(run.rps)} req/s, ${Math.round(run.cpuPerRequest)} µs CPU/request`);
    }
  }
  const rows = [...runs].map(([name, list]) => {
    const latencies = Float64Array.from(list.flatMap((r) => r.latencies)).sort();
    const cpuPerRequest = median(list.map((r) => r.cpuPerRequest));
    return { name, requests: latencies.length, rps: Math.round(median(list.map((r) => r.rps))), 'app CPU µs/request': Math.round(cpuPerRequest), p50: +percentile(latencies, 50).toFixed(3), p99: +percentile(latencies, 99).toFixed(3) };
  });
  const [bare, http, full] = rows;
  const comparison = {
    'tokentrail+http / http req/s': +(full.rps / http.rps).toFixed(3),
    'tokentrail+http / http requests per CPU-second': +(http['app CPU µs/request'] / full['app CPU µs/request']).toFixed(3),
    'http / none req/s': +(http.rps / bare.rps).toFixed(3),
    'added p50 ms (tokentrail)': +(full.p50 - http.p50).toFixed(3),
    'added p99 ms (tokentrail)': +(full.p99 - http.p99).toFixed(3),
  };
  console.table(rows);
  console.table(comparison);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/http-overhead.json'), JSON.stringify({ node: process.version, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, users: USERS, rows, comparison }, null, 2));
} finally {
  for (const { child } of servers) child.kill('SIGTERM');
}
