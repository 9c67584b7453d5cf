/**
 * Retained memory after 1,000,000 distinct tokens: each token is minted on the fly (HS256, a different `sub`
 * and `jti`), verified with jsonwebtoken, and forgotten; the heap is measured after full garbage collections
 * before and after. The bare library and the instrumented one (span, log record and metric through batch
 * processors into exporters that discard) run in turn in one process.
 *
 *   node --expose-gc bench/memory.mjs [tokens=1000000]
 * Writes bench/results/memory.json.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { installDiscardingSdk } from './support/discarding-sdk.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const TOKENS = Number(process.argv[2] ?? 1_000_000);
const { reader } = installDiscardingSdk();
new JwtInstrumentation({ pseudonymKey: 'bench-pseudonym-key-0123456789abcdef' });
const jwt = createRequire(import.meta.url)('jsonwebtoken');

const SECRET = 'bench-secret-0123456789abcdef-0123456789';
const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const exp = Math.floor(Date.now() / 1000) + 3600;
function mint(i) {
  const payload = Buffer.from(
    JSON.stringify({ sub: `user-${i}`, jti: `t-${i}`, iss: 'https://idp.example', aud: 'api', exp }),
  ).toString('base64url');
  const signature = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

async function settledHeap() {
  await sleep(1500); // let the batch processors export what they hold
  for (let i = 0; i < 4; i += 1) {
    globalThis.gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

async function run(label, verify) {
  const before = await settledHeap();
  const started = performance.now();
  for (let i = 0; i < TOKENS; i += 1) {
    verify(mint(`${label}-${i}`), SECRET);
    if (i % 4096 === 0) await sleep(0); // let timers (batch exports) run, as a server's event loop would
  }
  const seconds = (performance.now() - started) / 1000;
  await reader.collect();
  const after = await settledHeap();
  const retained = (after - before) / 2 ** 20;
  console.log(`${label}: ${TOKENS} tokens in ${seconds.toFixed(1)} s, retained ${retained.toFixed(2)} MiB`);
  return {
    label,
    tokens: TOKENS,
    seconds: +seconds.toFixed(1),
    heapBeforeMiB: +(before / 2 ** 20).toFixed(2),
    heapAfterMiB: +(after / 2 ** 20).toFixed(2),
    retainedMiB: +retained.toFixed(2),
  };
}

const rows = [await run('bare', jwt.verify.__original), await run('instrumented', jwt.verify)];
console.table(rows);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'memory.json'), JSON.stringify({ node: process.version, rows }, null, 2));
