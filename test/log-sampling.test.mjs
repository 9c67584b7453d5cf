/**
 * Volume control with the real jose and jsonwebtoken and the real SDK: successful operations' log records are
 * sampled and carry their weight; failures and records with new findings are always kept (a token's own
 * findings on its first record); metrics are never sampled; jwt.audit.seq over the emitted records has no gap.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, registeredSecret } from './support/jwt-fixtures.mjs';

const RATIO = 0.25;
const RUNS = 400;
const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY, logSampleRatio: RATIO, detectors: { enabled: false } });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry, 'HMAC secret');
const wrongSecret = registeredSecret(telemetry, 'other HMAC secret');
telemetry.leaks.register(PERSONAL.sub, 'raw sub');
const ISS = 'https://idp.example.test';
const PINNED = { algorithms: ['HS256'], audience: 'orders-api', issuer: ISS };

const libraries = {
  jose: {
    sign: (claims, key) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key),
    verify: (token, options) => jose.jwtVerify(token, secret, options).catch(() => undefined),
  },
  jsonwebtoken: {
    sign: async (claims, key) => jwt.sign(claims, key, { algorithm: 'HS256' }),
    verify: async (token, options) => {
      try {
        return jwt.verify(token, secret, options);
      } catch {
        return undefined;
      }
    },
  },
};

async function durationCount(library) {
  const points = await telemetry.metricPoints('jwt.operation.duration');
  return points
    .filter((p) => p.attributes['jwt.library'] === library && p.attributes['jwt.operation'] === 'verify')
    .reduce((n, p) => n + p.value.count, 0);
}

for (const [library, l] of Object.entries(libraries)) {
  test(`${library}: successes sampled at ${RATIO} with weight ${1 / RATIO}; failures all kept, a token's findings on its first record; metrics complete; seq gap-free`, async () => {
    const claims = {
      sub: PERSONAL.sub,
      iss: ISS,
      aud: 'orders-api',
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      jti: randomUUID(),
    };
    const token = await l.sign(claims, secret);
    const forged = await l.sign(claims, wrongSecret);
    for (const t of [token, forged]) telemetry.leaks.registerToken(t);
    const metricBefore = await durationCount(library);
    telemetry.reset();
    for (let i = 0; i < RUNS; i += 1) await l.verify(token, PINNED);
    for (let i = 0; i < 50; i += 1) await l.verify(forged, PINNED);
    for (let i = 0; i < 50; i += 1) await l.verify(token, { algorithms: ['HS256'], issuer: ISS });

    const verifies = telemetry.logRecords().filter((r) => r.eventName === 'jwt.verify');
    const sound = verifies.filter(
      (r) => r.attributes['jwt.validation.outcome'] === 'valid' && r.attributes['jwt.findings'] === undefined,
    );
    const failed = verifies.filter((r) => r.attributes['jwt.validation.outcome'] === 'invalid');
    const withFindings = verifies.filter(
      (r) => r.attributes['jwt.validation.outcome'] === 'valid' && r.attributes['jwt.findings'] !== undefined,
    );
    // Binomial(400, 0.25): mean 100, standard deviation 8.7; the bounds are more than 5 deviations away.
    assert.ok(sound.length >= 55 && sound.length <= 145, `${sound.length} of ${RUNS} successes kept`);
    for (const r of sound) assert.equal(r.attributes['jwt.sampling.weight'], 1 / RATIO);
    const reconstructed = sound.reduce((sum, r) => sum + r.attributes['jwt.sampling.weight'], 0);
    assert.ok(
      Math.abs(reconstructed - RUNS) <= 45 * (1 / RATIO),
      `the weights reconstruct ${reconstructed} of ${RUNS}`,
    );
    assert.equal(failed.length, 50, 'every failure kept');
    for (const r of failed) assert.equal(r.attributes['jwt.sampling.weight'], undefined, 'kept unsampled: weight 1');
    // The token's own finding (aud_not_checked) is kept on its first record; its later records are sampled.
    const seqOf = (r) => r.attributes['jwt.audit.seq'];
    const [first, ...later] = [...withFindings].sort((a, b) => seqOf(a) - seqOf(b));
    assert.deepEqual(first.attributes['jwt.findings'], ['aud_not_checked']);
    assert.equal(
      first.attributes['jwt.sampling.weight'],
      undefined,
      "the first record of the token's findings is kept unsampled",
    );
    for (const r of later)
      assert.equal(r.attributes['jwt.sampling.weight'], 1 / RATIO, 'later records of the same findings are sampled');
    assert.ok(later.length < 49, `${later.length} of 49 later records kept`);
    assert.equal(
      telemetry.spans().filter((s) => s.name === 'jwt.verify').length,
      RUNS + 100,
      'spans are left to the SDK samplers',
    );
    assert.equal((await durationCount(library)) - metricBefore, RUNS + 100, 'metrics are never sampled');

    const seqs = telemetry
      .logRecords()
      .map((r) => r.attributes['jwt.audit.seq'])
      .sort((a, b) => a - b);
    assert.ok(seqs.length > 0);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0] + i),
      'the emitted records carry consecutive sequence numbers',
    );
  });
}

test('jwt.request records are sampled the same way: sound requests sampled, refused ones all kept', async () => {
  const { appFor, eventually, startApp } = await import('./support/insight-app.mjs');
  const app = appFor({ library: 'jsonwebtoken', jose, jwt, secret });
  const server = await startApp(app);
  try {
    const token = await libraries.jsonwebtoken.sign(
      { sub: PERSONAL.sub, exp: nowSeconds() + 600, jti: randomUUID() },
      secret,
    );
    const forged = await libraries.jsonwebtoken.sign(
      { sub: PERSONAL.sub, exp: nowSeconds() + 600, jti: randomUUID() },
      wrongSecret,
    );
    for (const t of [token, forged]) telemetry.leaks.registerToken(t);
    telemetry.reset();
    const SOUND = 200;
    for (let i = 0; i < SOUND; i += 1)
      assert.equal((await server.get('/orders', token, `10.3.0.${i % 200}`)).status, 200);
    for (let i = 0; i < 20; i += 1) assert.equal((await server.get('/orders', forged)).status, 401);
    const requests = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');
    await eventually(
      () => requests().filter((r) => r.attributes['jwt.validation.outcome'] === 'invalid').length === 20,
      'the refused requests',
    );
    const sound = requests().filter((r) => r.attributes['jwt.validation.outcome'] === 'valid');
    // Each record carries its request's verify: the first one with the token's findings is kept, the others sampled.
    const unsampled = sound.filter((r) => r.attributes['jwt.sampling.weight'] === undefined);
    assert.equal(unsampled.length, 1, "only the first record of the token's findings is kept unsampled");
    assert.ok(unsampled[0].attributes['jwt.findings'].length > 0);
    const sampled = sound.filter((r) => r.attributes['jwt.sampling.weight'] !== undefined);
    // Binomial(199, 0.25): mean 50, standard deviation 6.1.
    assert.ok(sampled.length >= 20 && sampled.length <= 80, `${sampled.length} of ${SOUND - 1} sound requests kept`);
    for (const r of sampled) assert.equal(r.attributes['jwt.sampling.weight'], 1 / RATIO);
    for (const r of requests().filter((r) => r.attributes['jwt.validation.outcome'] === 'invalid'))
      assert.equal(r.attributes['jwt.sampling.weight'], undefined);
  } finally {
    await server.close();
  }
});
