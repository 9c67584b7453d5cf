/**
 * The application's request latency while the collector is healthy and while it fails (answering 503,
 * closing connections, answering after 10 s), measured side by side: one app process under the register flag,
 * rounds that alternate between the receiver's behaviours, the same number of requests each time.
 *
 *   node bench/fault-latency.mjs [requestsPerRound=400] [rounds=6]
 * Prints median and p99 per behaviour and their ratio to healthy, and the app's resident memory after each
 * behaviour's last round (its peak over the run too): a failing collector must not make the app hold more and
 * more. Writes bench/results/fault-latency.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const [perRound = 400, rounds = 6] = process.argv.slice(2).map(Number);
const CONCURRENCY = 8;
const require = createRequire(import.meta.url);
const appPath = join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs');
const behaviours = {
  healthy: {},
  'answering 503': { status: 503 },
  'closing connections': { destroy: true },
  'answering after 10 s': { delayMs: 10_000 },
};

const receiver = await startReceiver();
const app = await runApp(appPath, {
  endpoint: receiver.endpoint,
  env: { TOKENTRAIL_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcd' },
});
const login = await fetch(`${app.url}/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"sub":"bench"}',
});
const { token } = await login.json();
const headers = { authorization: `Bearer ${token}` };

async function round() {
  const latencies = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < perRound) {
        next += 1;
        const started = performance.now();
        const response = await fetch(`${app.url}/orders`, { headers });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

/** The app's resident set size and its peak, in MiB, from /proc/<pid>/status. */
function appMemory() {
  const status = readFileSync(`/proc/${app.child.pid}/status`, 'utf8');
  const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssMiB: +(kib('VmRSS') / 1024).toFixed(1), peakMiB: +(kib('VmHWM') / 1024).toFixed(1) };
}

const samples = Object.fromEntries(Object.keys(behaviours).map((name) => [name, []]));
const memory = {};
await round(); // warm-up
for (let r = 0; r < rounds; r += 1) {
  for (const [name, behaviour] of Object.entries(behaviours)) {
    receiver.behaviour = behaviour;
    samples[name].push(...(await round()));
    memory[name] = appMemory();
  }
}
receiver.behaviour = {};
await app.stop();
await receiver.close();

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const baseline = { p50: quantile(samples.healthy, 0.5), p99: quantile(samples.healthy, 0.99) };
const results = Object.entries(samples).map(([name, values]) => {
  const p50 = quantile(values, 0.5);
  const p99 = quantile(values, 0.99);
  return {
    behaviour: name,
    requests: values.length,
    p50Ms: +p50.toFixed(3),
    p99Ms: +p99.toFixed(3),
    p50Ratio: +(p50 / baseline.p50).toFixed(3),
    p99Ratio: +(p99 / baseline.p99).toFixed(3),
    rssMiB: memory[name].rssMiB,
    peakRssMiB: memory[name].peakMiB,
  };
});
console.table(results);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'fault-latency.json'),
  JSON.stringify({ node: process.version, cpus: 2, perRound, rounds, concurrency: CONCURRENCY, results }, null, 2),
);
