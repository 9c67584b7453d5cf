/**
 * The application's request latency while the collector is healthy and while it fails (answering 503,
 * closing connections, answering after 10 s), measured side by side: one app process under the register flag,
 * rounds that alternate between the receiver's behaviours, the same number of requests each time.
 *
 *   node bench/fault-latency.mjs [requestsPerRound=400] [rounds=6]
 * Prints median and p99 per behaviour and their ratio to healthy; writes bench/results/fault-latency.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const [perRound = 400, rounds = 6] = process.argv.slice(2).map(Number);
const CONCURRENCY = 8;
const require = createRequire(import.meta.url);
const appPath = join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs');
const behaviours = { healthy: {}, 'answering 503': { status: 503 }, 'closing connections': { destroy: true }, 'answering after 10 s': { delayMs: 10_000 } };

const receiver = await startReceiver();
const app = await runApp(appPath, { endpoint: receiver.endpoint, env: { TOKENTRAIL_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcd' } });
const login = await fetch(`${app.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"bench"}' });
const { token } = await login.json();
const headers = { authorization: `Bearer ${token}` };

async function round() {
  const latencies = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < perRound) {
      next += 1;
      const started = performance.now();
      const response = await fetch(`${app.url}/orders`, { headers });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
    }
  }));
  return latencies;
}

const samples = Object.fromEntries(Object.keys(behaviours).map((name) => [name, []]));
await round(); // warm-up
for (let r = 0; r < rounds; r += 1) {
  for (const [name, behaviour] of Object.entries(behaviours)) {
    receiver.behaviour = behaviour;
    samples[name].push(...(await round()));
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
  return { behaviour: name, requests: values.length, p50Ms: +p50.toFixed(3), p99Ms: +p99.toFixed(3), p50Ratio: +(p50 / baseline.p50).toFixed(3), p99Ratio: +(p99 / baseline.p99).toFixed(3) };
});
console.table(results);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'fault-latency.json'), JSON.stringify({ node: process.version, cpus: 2, perRound, rounds, concurrency: CONCURRENCY, results }, null, 2));
