/**
 * HTTP throughput and latency side by side: the same express 5 app (jose verify of a bearer token per request)
 * with no telemetry, with instrumentation-http alone (configured as `@tokentrail/register` configures it), with
 * instrumentation-http + the floor (the SDK objects tokentrail emits per audited request, from constants),
 * with instrumentation-http + tokentrail as the register starts it by default, and with the lean setting, each
 * in its own process, loaded in turn by autocannon over loopback in interleaved rounds, at each connection count. Latency is each response's
 * own time as the client measured it (sub-millisecond), so p50 and p99 are exact over every request. Beside
 * wall-clock req/s, each app's own CPU time per request (from /proc) is reported: on a shared machine the
 * wall clock also counts the time other processes held the cores, the app's CPU time does not.
 *
 * The other stacks (fastify 5 + jsonwebtoken HS256, node:http + jose RS256) are measured at 8 connections.
 *
 *   node bench/http-overhead.mjs [rounds=5] [seconds=5] [connections=8,1,64] [other stacks' rounds=3]
 * Writes bench/results/http-overhead.json.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { SignJWT } from 'jose';
import { bearerTurns, load, median, percentile, spawnReporting } from './support/http-load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTION_COUNTS = String(process.argv[4] ?? '8,1,64')
  .split(',')
  .map(Number);
const OTHER_ROUNDS = Number(process.argv[5] ?? 3);
const USERS = 256;
const secret = randomBytes(32).toString('hex');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });

const telemetry = ['--import', join(here, 'http/telemetry.mjs')];
/** The lean setting: successful, finding-free requests' audit records sampled 1 in 10 (with their weight). */
const LEAN = { logSampleRatio: 0.1 };
const CONFIGS = {
  'no telemetry': { flags: [], env: {} },
  'instrumentation-http': { flags: telemetry, env: {} },
  'instrumentation-http + floor': { flags: telemetry, env: { BENCH_FLOOR: '1' } },
  'instrumentation-http + tokentrail': { flags: telemetry, env: { BENCH_TOKENTRAIL: '1' } },
  'instrumentation-http + tokentrail (lean)': {
    flags: telemetry,
    env: { BENCH_TOKENTRAIL: '1', BENCH_TOKENTRAIL_CONFIG: JSON.stringify(LEAN) },
  },
};

async function start(name, { flags, env: extra }, app) {
  const env = { BENCH_SECRET: secret, BENCH_PUBLIC_KEY: publicKeyPem, BENCH_APP: app, ...extra };
  return { name, ...(await spawnReporting([...flags, join(here, 'http/app.mjs')], env)) };
}

const key = new TextEncoder().encode(secret);
const exp = Math.floor(Date.now() / 1000) + 3600;
const mint = (alg, signingKey) =>
  Promise.all(
    Array.from({ length: USERS }, (_, i) =>
      new SignJWT({ sub: `user-${i}`, scope: 'orders:read' })
        .setProtectedHeader({ alg })
        .setIssuer('https://idp.example')
        .setAudience('orders-api')
        .setExpirationTime(exp)
        .sign(signingKey),
    ),
  );
const hs256 = await mint('HS256', key);
/** The stacks: each app's users' tokens. */
const APPS = {
  'express-jose': hs256,
  'fastify-jsonwebtoken': hs256,
  'node-jose-rs256': await mint('RS256', rsa.privateKey),
};
let tokens = hs256;

/** The load average over the last minute, from /proc: how busy the shared machine was. */
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Interleaved rounds over every configuration at one connection count: its rows and their comparison. */
async function measureAt(servers, connections, rounds) {
  for (const server of servers) await load(server, 2, connections, bearerTurns(tokens)); // warm-up
  const runs = new Map(servers.map((s) => [s.name, []]));
  const loads = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const server of servers) {
      const run = await load(server, SECONDS, connections, bearerTurns(tokens));
      if (run.errors > 0 || Object.keys(run.statuses).some((s) => s !== '200'))
        throw new Error(`${server.name}: ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
      runs.get(server.name).push(run);
      loads.push(loadAverage());
      console.log(
        `${connections} connections, round ${round + 1} ${server.name}: ${Math.round(run.rps)} req/s, ${Math.round(run.cpuPerRequest)} µs CPU/request`,
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
  const row = (name) => rows.find((r) => r.name === name);
  const cpu = (name) => row(name)['app CPU µs/request'];
  const [bare, http, floor, full, lean] = Object.keys(CONFIGS);
  const comparison = {
    'tokentrail+http / http req/s': +(row(full).rps / row(http).rps).toFixed(3),
    'tokentrail+http / http requests per CPU-second': +(cpu(http) / cpu(full)).toFixed(3),
    'floor+http / http requests per CPU-second': +(cpu(http) / cpu(floor)).toFixed(3),
    'lean tokentrail+http / http requests per CPU-second': +(cpu(http) / cpu(lean)).toFixed(3),
    'http added CPU µs/request': cpu(http) - cpu(bare),
    'tokentrail added CPU µs/request': cpu(full) - cpu(http),
    'tokentrail added / http added': +((cpu(full) - cpu(http)) / (cpu(http) - cpu(bare))).toFixed(3),
    'http / none req/s': +(row(http).rps / row(bare).rps).toFixed(3),
    'added p50 ms (tokentrail)': +(row(full).p50 - row(http).p50).toFixed(3),
    'added p99 ms (tokentrail)': +(row(full).p99 - row(http).p99).toFixed(3),
  };
  console.table(rows);
  console.table(comparison);
  return {
    connections,
    loadAverage: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
    rows,
    comparison,
  };
}

/** Every configuration of one stack, each in its own process, measured at each connection count. */
async function measureApp(app, connectionCounts, rounds) {
  tokens = APPS[app];
  const servers = [];
  try {
    for (const [name, config] of Object.entries(CONFIGS)) servers.push(await start(name, config, app));
    const byConnections = [];
    for (const connections of connectionCounts) {
      console.log(`${app}, ${connections} connections`);
      byConnections.push(await measureAt(servers, connections, rounds));
    }
    return byConnections;
  } finally {
    for (const { child } of servers) child.kill('SIGTERM');
  }
}

const byConnections = await measureApp('express-jose', CONNECTION_COUNTS, ROUNDS);
const otherApps = {};
if (OTHER_ROUNDS > 0)
  for (const app of ['fastify-jsonwebtoken', 'node-jose-rs256'])
    [otherApps[app]] = await measureApp(app, [8], OTHER_ROUNDS);
const [main] = byConnections;
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results/http-overhead.json'),
  JSON.stringify(
    {
      node: process.version,
      cores: availableParallelism(),
      rounds: ROUNDS,
      otherRounds: OTHER_ROUNDS,
      seconds: SECONDS,
      users: USERS,
      lean: LEAN,
      ...main,
      byConnections,
      otherApps,
    },
    null,
    2,
  ),
);
