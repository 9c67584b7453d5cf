/**
 * What hostile input costs the host, with tokentrail and without it, side by side in interleaved rounds:
 *
 * - per verify, in one process (jose and jsonwebtoken; tokentrail with spans, log records and metrics through
 *   batch processors into exporters that discard, against the library's own function):
 *   - 1,000 distinct HMAC secrets in turn, one per user (`JWT_SECRET + passwordHash`), more than any key cache
 *     holds, each key made afresh per call as such an application does;
 *   - a forged 14 KB token whose `sub` is nested 5,400 levels deep;
 * - per request, an express 5 app (bench/http/hostile-app.mjs) where both sides run instrumentation-http with
 *   the query redaction @tokentrail/register configures, each in its own process, loaded by autocannon:
 *   the same 1,000 users' reset tokens, the nested forged token, and a query of 1,500 `%25` pairs without any
 *   credential.
 *
 * Beside both sides, the SDK floor (interleaved with them): the SDK objects tokentrail emits for the same
 * operation, made from constants with no tokentrail code (./support/sdk-floor.mjs for a verify,
 * ./http/floor.mjs for a request), so the table shows how much of "with" the SDK objects alone cost.
 *
 * Each figure is the median over rounds of CPU time per operation (this process's, or the app's from /proc);
 * "with / without" is tokentrail's CPU per operation over the bare one's.
 *
 *   node bench/hostile-input.mjs [rounds=5] [seconds=3]      (BENCH_PART=verify|http for one half)
 * Writes bench/results/hostile-input.json.
 */
import { register } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { installDiscardingSdk } from './support/discarding-sdk.mjs';
import { median } from './support/cpu.mjs';
import { load, spawnReporting } from './support/http-load.mjs';
import { sdkFloor } from './support/sdk-floor.mjs';
import { USERS, nestedForgedToken, passwordHashes, percentQuery, userTokens } from './support/hostile-tokens.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
installDiscardingSdk();
new JwtInstrumentation({ pseudonymKey: 'bench-pseudonym-key-0123456789abcdef' });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');

const SECRET = randomBytes(32).toString('hex');
const hashes = passwordHashes();
const tokens = userTokens(SECRET, hashes);
const nested = nestedForgedToken();
const encoder = new TextEncoder();
const options = { algorithms: ['HS256'] };

/** Each workload: the call made with operation i, through `verify` (the library's function, wrapped or not). */
const WORKLOADS = {
  '1,000 HMAC secrets in turn': {
    jose: (verify, i) => verify(tokens[i % USERS], encoder.encode(SECRET + hashes[i % USERS]), options),
    jsonwebtoken: (verify, i) => verify(tokens[i % USERS], SECRET + hashes[i % USERS], options),
    iterations: { jose: 3000, jsonwebtoken: 6000 },
  },
  '14 KB claim nested 5,400 levels (forged)': {
    jose: (verify) => verify(nested, encoder.encode(SECRET), options),
    jsonwebtoken: (verify) => verify(nested, SECRET, options),
    iterations: { jose: 1500, jsonwebtoken: 1000 },
  },
};
const TARGETS = {
  '1,000 HMAC secrets in turn': { jose: 2, jsonwebtoken: 3.5, 'express (jose)': 2 },
  '14 KB claim nested 5,400 levels (forged)': { jose: 2, jsonwebtoken: 2, 'express (jose)': 2 },
  '1,500 %25 pairs, no credential': { 'express (jose)': 1.2 },
};
const FUNCTIONS = { jose: jose.jwtVerify, jsonwebtoken: jwt.verify };
const FLOORS = {
  jose: sdkFloor(jose.jwtVerify.__original, 'jose'),
  jsonwebtoken: sdkFloor(jwt.verify.__original, 'jsonwebtoken'),
};

/** CPU microseconds per call of `call(i)` over `iterations` calls (a rejection is an outcome, not an error). */
async function cpuPerCall(call, iterations) {
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) {
    try {
      await call(i);
    } catch {}
  }
  const { user, system } = process.cpuUsage(before);
  return (user + system) / iterations;
}

const PART = process.env.BENCH_PART;
const rows = [];
for (const [workload, spec] of PART === 'http' ? [] : Object.entries(WORKLOADS)) {
  for (const library of ['jose', 'jsonwebtoken']) {
    const fn = FUNCTIONS[library];
    const sides = {
      without: (i) => spec[library](fn.__original, i),
      floor: (i) => spec[library](FLOORS[library], i),
      with: (i) => spec[library](fn, i),
    };
    const iterations = spec.iterations[library];
    await cpuPerCall(sides.with, iterations); // warm-up, and fills every cache there is
    const runs = { without: [], floor: [], with: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const side of Object.keys(sides)) runs[side].push(await cpuPerCall(sides[side], iterations));
    }
    rows.push(row(workload, library, runs));
    console.log(`${library}, ${workload}: ${JSON.stringify(rows.at(-1))}`);
  }
}

/** A table row from each side's rounds: medians, with / without against the target, and the floor's share. */
function row(workload, subject, runs) {
  const without = median(runs.without);
  const floor = median(runs.floor);
  const withTokentrail = median(runs.with);
  const ratio = +(withTokentrail / without).toFixed(2);
  const target = TARGETS[workload][subject];
  return {
    workload,
    subject,
    withoutMicros: +without.toFixed(1),
    floorMicros: +floor.toFixed(1),
    withMicros: +withTokentrail.toFixed(1),
    ratio,
    floorRatio: +(floor / without).toFixed(2),
    target,
    met: ratio <= target,
  };
}

// Per request: the app with instrumentation-http alone and with tokentrail too, each in its own process, both with
// instrumentation-http configured as @tokentrail/register configures it (bench/http/telemetry.mjs).
// The floor app runs http/floor.mjs instead of tokentrail: its handlers emit the SDK objects of an audited request.
async function startApp(side) {
  return spawnReporting(['--import', join(here, 'http/telemetry.mjs'), join(here, 'http/hostile-app.mjs')], {
    BENCH_SECRET: SECRET,
    BENCH_HASHES: JSON.stringify(hashes),
    BENCH_TOKENTRAIL: side === 'with' ? '1' : '0',
    BENCH_FLOOR: side === 'floor' ? '1' : '0',
  });
}

const query = percentQuery();
const REQUESTS = {
  '1,000 HMAC secrets in turn': {
    status: 200,
    next: (n) => ({ path: '/reset', headers: { authorization: `Bearer ${tokens[n % USERS]}` } }),
  },
  '14 KB claim nested 5,400 levels (forged)': {
    status: 401,
    next: () => ({ path: '/orders', headers: { authorization: `Bearer ${nested}` } }),
  },
  '1,500 %25 pairs, no credential': { status: 200, next: () => ({ path: `/search?${query}` }) },
};

/** App CPU microseconds per request over one run of 4 connections; throws on any unexpected answer. */
async function cpuPerRequest(app, { status, next }, seconds) {
  const run = await load(app, seconds, 4, next);
  const unexpected = Object.entries(run.statuses).filter(([code]) => Number(code) !== status);
  if (run.requests === 0) throw new Error('no request was answered');
  if (unexpected.length > 0 || run.errors > 0)
    throw new Error(`unexpected answers ${JSON.stringify(unexpected)}, ${run.errors} errors`);
  return run.cpuPerRequest;
}

const apps = {};
if (PART !== 'verify') for (const side of ['without', 'floor', 'with']) apps[side] = await startApp(side);
try {
  for (const [workload, spec] of PART === 'verify' ? [] : Object.entries(REQUESTS)) {
    for (const app of Object.values(apps)) await cpuPerRequest(app, spec, 1); // warm-up
    const runs = { without: [], floor: [], with: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const side of Object.keys(runs)) runs[side].push(await cpuPerRequest(apps[side], spec, SECONDS));
    }
    rows.push(row(workload, 'express (jose)', runs));
    console.log(`express, ${workload}: ${JSON.stringify(rows.at(-1))}`);
  }
} finally {
  for (const { child } of Object.values(apps)) child.kill('SIGTERM');
}

console.table(rows);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results/hostile-input.json'),
  JSON.stringify({ node: process.version, rounds: ROUNDS, seconds: SECONDS, users: USERS, rows }, null, 2),
);
