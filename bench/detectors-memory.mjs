/**
 * The misuse detectors under a flood: 1,000,000 distinct tokens from 100,000 client addresses (one use each,
 * one in ten invalid, issued for 100,000 subjects), fed through the detectors with their default thresholds
 * and caps. Reports the heap the detectors retain afterwards (after a full GC), their cost per call, and the
 * added cost per instrumented verify (jsonwebtoken HS256, spans, log records and metrics on, interleaved rounds
 * with the detectors on and off).
 *
 *   node --expose-gc bench/detectors-memory.mjs
 * Writes bench/results/detectors-memory.json.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { installDiscardingSdk } from './support/discarding-sdk.mjs';
import { median } from './support/cpu.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const require = createRequire(import.meta.url);
const built = (path) => require(`../packages/instrumentation-jwt/build/${path}`);
const { Detectors } = built('detectors/detectors.js');
const { resolveInsightSettings, DEFAULT_DETECTOR_MAX_KEYS } = built('insight-settings.js');

const TOKENS = 1_000_000;
const ADDRESSES = 100_000;
const SUBJECTS = 100_000;
const KEY = 'bench-pseudonym-key-0123456789abcdef';
const fingerprint = (i) => createHmac('sha256', KEY).update(`token-${i}`).digest('hex').slice(0, 32);
const address = (i) => {
  const a = i % ADDRESSES;
  return `10.${a >> 16}.${(a >> 8) & 255}.${a & 255}`;
};
const subject = (i) =>
  createHmac('sha256', KEY)
    .update(`user-${i % SUBJECTS}`)
    .digest('hex')
    .slice(0, 32);

function heapAfterGc() {
  for (let i = 0; i < 3; i += 1) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

// 1. Retained memory after the flood.
const settings = resolveInsightSettings({});
const baseline = heapAfterGc();
let detectors = new Detectors(settings.detectors, settings.detectorMaxKeys);
let firings = 0;
const fedStart = performance.now();
for (let i = 0; i < TOKENS; i += 1) {
  const now = Date.now();
  firings += detectors.issued(subject(i), now).length;
  firings += detectors.tokenUsed(fingerprint(i), address(i), now).length;
  if (i % 10 === 0) firings += detectors.failure(address(i), now).length;
}
const fedSeconds = (performance.now() - fedStart) / 1000;
const afterFeed = heapAfterGc();
const sizes = { tokens: detectors.tokens.size, addresses: detectors.failures.size, subjects: detectors.issuances.size };
detectors = undefined;
// What the detectors hold: the heap released when they are dropped (and, as a cross-check, the growth since before).
const retained = afterFeed - heapAfterGc();
const grown = afterFeed - baseline;

// 2. Cost per call, keys prepared beforehand so only the detectors are timed.
const PREPARED = 200_000;
const keys = Array.from({ length: PREPARED }, (_, i) => [fingerprint(TOKENS + i), address(i * 7), subject(i)]);
detectors = new Detectors(settings.detectors, settings.detectorMaxKeys);
const CALLS = 1_000_000;
let started = performance.now();
for (let i = 0; i < CALLS; i += 1) {
  const [fp, addr] = keys[i % PREPARED];
  detectors.tokenUsed(fp, addr, Date.now());
  if (i % 10 === 0) detectors.failure(addr, Date.now());
}
const perUseNs = ((performance.now() - started) * 1e6) / CALLS;

// 3. Everything tokentrail adds to one verify beyond redaction, on a repeated token: findings (cached), key
// facts (cached), the revocation check and the detectors, with sinks that discard.
const { operationInsight } = built('pipeline/operation-insight.js');
const { FallbackKey, resolveSettings } = built('settings.js');
const noop = { add() {}, record() {}, emit() {}, count() {} };
const host = {
  settings: resolveSettings({ pseudonymKey: KEY }, new FallbackKey(), () => {}),
  auditLog: noop,
  denylist: { has: () => false },
  findingCounter: noop,
  alertCounter: noop,
  diag: console,
  detectors: new Detectors(settings.detectors, settings.detectorMaxKeys),
};
const insightClaims = {
  sub: 'user-1',
  iss: 'https://idp.example',
  aud: 'api',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 3600,
  jti: 'j-1',
};
const insightEvent = {
  operation: 'verify',
  library: 'jsonwebtoken',
  outcome: 'valid',
  header: { alg: 'HS256', typ: 'JWT' },
  claims: insightClaims,
  checks: { algorithms: true, audience: true, issuer: false },
  key: 'bench-secret-0123456789abcdef-0123456789',
  token: 't',
  startTime: Date.now(),
  duration: 0,
};
const INSIGHTS = 200_000;
started = performance.now();
for (let i = 0; i < INSIGHTS; i += 1) {
  operationInsight(
    host,
    { event: insightEvent, attributes: { 'jwt.token.fingerprint': fingerprint(i % 2000) }, context: undefined },
    undefined,
  );
}
const fingerprintCost = performance.now();
for (let i = 0; i < INSIGHTS; i += 1) fingerprint(i % 2000);
const insightNs = ((fingerprintCost - started - (performance.now() - fingerprintCost)) * 1e6) / INSIGHTS;

// 4. Added cost per instrumented verify: detectors on vs off, interleaved rounds.
installDiscardingSdk();
const ON = { pseudonymKey: KEY };
const OFF = { ...ON, detectors: { enabled: false } };
const instrumentation = new JwtInstrumentation(ON);
const jwt = require('jsonwebtoken');
const SECRET = 'bench-secret-0123456789abcdef-0123456789';
const verifyTokens = Array.from({ length: 2000 }, (_, i) =>
  jwt.sign.__original({ sub: `user-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' }),
);
const VERIFIES = 2000;
const ROUNDS = 15;
const opsPerSecond = { on: [], off: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [mode, config] of [
    ['off', OFF],
    ['on', ON],
  ]) {
    instrumentation.setConfig(config);
    started = performance.now();
    for (let i = 0; i < VERIFIES; i += 1)
      jwt.verify(verifyTokens[i % verifyTokens.length], SECRET, { algorithms: ['HS256'] });
    opsPerSecond[mode].push(VERIFIES / ((performance.now() - started) / 1000));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const on = median(opsPerSecond.on);
const off = median(opsPerSecond.off);
// Each round's on/off pair ran back to back: the median of the paired differences is the least noisy figure.
const pairedMicroseconds = opsPerSecond.on.map((value, i) => 1e6 / value - 1e6 / opsPerSecond.off[i]);

const result = {
  tokens: TOKENS,
  addresses: ADDRESSES,
  subjects: SUBJECTS,
  maxKeys: DEFAULT_DETECTOR_MAX_KEYS,
  firings,
  keysHeld: sizes,
  retainedBytes: retained,
  heapGrowthBytes: grown,
  retainedMiB: Number((retained / 2 ** 20).toFixed(1)),
  feedSeconds: Number(fedSeconds.toFixed(1)),
  nsPerTokenUse: Math.round(perUseNs),
  nsPerVerifyInsight: Math.round(insightNs),
  verifyOpsPerSecond: { detectorsOff: Math.round(off), detectorsOn: Math.round(on) },
  addedMicrosecondsPerVerify: Number(median(pairedMicroseconds).toFixed(2)),
  addedMicrosecondsPerVerifyRange: [Math.min(...pairedMicroseconds), Math.max(...pairedMicroseconds)].map((v) =>
    Number(v.toFixed(1)),
  ),
  node: process.version,
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'detectors-memory.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await instrumentation.disable();
process.exit(0);
