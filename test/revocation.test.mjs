/**
 * Revocation with the real jose and jsonwebtoken and the real SDK: recordRevocation() emits jwt.revoke and
 * denylists the token; a revoked token the library still accepts is recorded as revoked_token_accepted with a
 * jwt.alert, while the verify result and its timing stay exactly as without tokentrail; isRevoked (sync and
 * async, throwing) is consulted.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { SeverityNumber, SpanKind, trace } from '@opentelemetry/api';
import { JwtInstrumentation, recordRevocation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, pseudonym, registeredSecret } from './support/jwt-fixtures.mjs';
import { counterValue, run } from './support/insight.mjs';
import { eventually } from './support/insight-app.mjs';

const telemetry = setupTelemetry();
const revokedJtis = new Set();
let checkDelayMs = 0;
let checkThrows = false;
let checkNeverSettles = false;
const isRevoked = (claims) => {
  if (checkThrows) throw new Error('revocation store down');
  if (checkNeverSettles) return new Promise(() => {});
  const answer = revokedJtis.has(claims.jti);
  return checkDelayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(answer), checkDelayMs)) : answer;
};
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY, isRevoked });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry);
telemetry.leaks.register(PERSONAL.sub, 'raw sub');
const ACTOR = `admin-${randomBytes(4).toString('hex')}`;
telemetry.leaks.register(ACTOR, 'raw actor');

const libraries = {
  jose: {
    sign: (claims) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret),
    verify: (token) => jose.jwtVerify(token, secret, { algorithms: ['HS256'] }),
  },
  jsonwebtoken: {
    sign: async (claims) => jwt.sign(claims, secret, { algorithm: 'HS256' }),
    verify: async (token) => jwt.verify(token, secret, { algorithms: ['HS256'] }),
  },
};

async function mint(sign) {
  const token = await sign({ sub: PERSONAL.sub, iat: nowSeconds(), exp: nowSeconds() + 600, jti: randomUUID() });
  telemetry.leaks.registerToken(token);
  return token;
}
const jtiOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).jti;

test('recordRevocation() needs a token or a jti', () => {
  assert.throws(() => recordRevocation({ reason: 'logout' }), TypeError);
  assert.throws(() => recordRevocation(), TypeError);
});

for (const [library, l] of Object.entries(libraries)) {
  test(`${library}: recordRevocation() emits jwt.revoke (record and span event) and never the token or the actor`, async () => {
    const token = await mint(l.sign);
    telemetry.reset();
    await trace.getTracer('test').startActiveSpan('logout handler', async (span) => {
      recordRevocation({ token, reason: 'logout', actor: ACTOR });
      span.end();
    });
    const record = telemetry.logRecords().find((r) => r.eventName === 'jwt.revoke');
    assert.ok(record, 'a jwt.revoke record');
    const {
      'jwt.audit.seq': seq,
      'jwt.audit.stream': _stream,
      'jwt.audit.chain': _chain,
      ...attributes
    } = record.attributes;
    assert.ok(seq > 0);
    assert.deepEqual(attributes, {
      'jwt.lifecycle': 'revoked',
      'jwt.revocation.reason': 'logout',
      'jwt.token.fingerprint': pseudonym(token),
      'jwt.claims.jti': jtiOf(token),
      'enduser.pseudo.id': pseudonym(PERSONAL.sub),
      'jwt.revocation.actor': pseudonym(ACTOR),
    });
    const handler = telemetry.spans().find((s) => s.name === 'logout handler');
    assert.deepEqual(
      handler.events.map((e) => [e.name, e.attributes]),
      [['jwt.revoke', attributes]],
    );
    recordRevocation({ jti: randomUUID(), reason: 'not-a-reason' });
    assert.equal(telemetry.logRecords().at(-1).attributes['jwt.revocation.reason'], 'other');
  });

  test(`${library}: a revoked token the library accepts keeps its result and gets revoked_token_accepted and a jwt.alert`, async () => {
    const token = await mint(l.sign);
    const before = await run(telemetry, () => l.verify(token));
    assert.ok(!before.findings.includes('revoked_token_accepted'), 'not revoked yet');
    assert.deepEqual(before.alerts, []);

    recordRevocation({ jti: jtiOf(token), reason: 'compromised' });
    const alertsBefore = await counterValue(telemetry, 'jwt.alerts', { 'jwt.alert.name': 'revoked_token_used' });
    const after = await run(telemetry, () => l.verify(token));
    assert.equal(after.error, undefined, 'the library still accepts it');
    assert.deepEqual(after.value, before.value, 'with the same result');
    assert.ok(after.findings.includes('revoked_token_accepted'));
    assert.equal(after.alerts.length, 1);
    const [alert] = after.alerts;
    assert.equal(alert.severityNumber, SeverityNumber.ERROR);
    assert.equal(alert.attributes['jwt.alert.name'], 'revoked_token_used');
    assert.equal(alert.attributes['jwt.token.fingerprint'], pseudonym(token));
    assert.equal(alert.attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
    assert.deepEqual(
      after.span.events.map((e) => e.name),
      ['jwt.alert'],
      'an event on the verify span',
    );
    assert.equal(
      await counterValue(telemetry, 'jwt.alerts', { 'jwt.alert.name': 'revoked_token_used' }),
      alertsBefore + 1,
    );
  });

  test(`${library}: isRevoked answering later changes neither the result nor when it arrives; the record waits for the answer`, async () => {
    const token = await mint(l.sign);
    revokedJtis.add(jtiOf(token));
    checkDelayMs = 300;
    try {
      telemetry.reset();
      const started = performance.now();
      const value = await l.verify(token);
      const elapsed = performance.now() - started;
      assert.ok(
        elapsed < checkDelayMs / 2,
        `the verify settled in ${elapsed.toFixed(1)} ms, without waiting for the check`,
      );
      assert.equal(value.payload?.jti ?? value.jti, jtiOf(token));
      assert.equal(
        telemetry.spans().filter((s) => s.name === 'jwt.verify').length,
        0,
        'the record waits for the check',
      );
      const span = await eventually(() => telemetry.spans().find((s) => s.name === 'jwt.verify'), 'the verify span');
      assert.ok(span.attributes['jwt.findings'].includes('revoked_token_accepted'));
      const durationMs = (span.endTime[0] - span.startTime[0]) * 1000 + (span.endTime[1] - span.startTime[1]) / 1e6;
      assert.ok(
        durationMs < checkDelayMs / 2,
        `the span ends when the library call settled (${durationMs.toFixed(1)} ms)`,
      );
    } finally {
      checkDelayMs = 0;
    }
  });

  test(`${library}: an isRevoked that throws is reported, the token is recorded as not revoked, the result unchanged`, async () => {
    const token = await mint(l.sign);
    revokedJtis.add(jtiOf(token));
    checkThrows = true;
    try {
      const { error, findings, alerts } = await run(telemetry, () => l.verify(token));
      assert.equal(error, undefined);
      assert.ok(!findings.includes('revoked_token_accepted'));
      assert.deepEqual(alerts, []);
    } finally {
      checkThrows = false;
    }
  });
}

test('jsonwebtoken: the synchronous verify and the callback verify behave as without tokentrail for a revoked token', async () => {
  const token = await mint(libraries.jsonwebtoken.sign);
  recordRevocation({ token, reason: 'logout' });
  const expected = createRequire(import.meta.url)('jsonwebtoken').verify(token, secret);
  instrumentation.disable();
  const original = jwt.verify(token, secret);
  instrumentation.enable();
  assert.deepEqual(expected, original);
  let calledSynchronously = false;
  let sync = true;
  jwt.verify(token, secret, {}, (err, payload) => {
    calledSynchronously = sync;
    assert.equal(err, null);
    assert.deepEqual(payload, original);
  });
  sync = false;
  instrumentation.disable();
  let originalSync = false;
  let sync2 = true;
  jwt.verify(token, secret, {}, () => {
    originalSync = sync2;
  });
  sync2 = false;
  instrumentation.enable();
  assert.equal(calledSynchronously, originalSync, 'the callback is called at the same moment');
});

test('a request answered before an asynchronous isRevoked answers still has its verify: outcome valid, then the finding on the verify', async () => {
  const { appFor, startApp } = await import('./support/insight-app.mjs');
  const app = appFor({ library: 'jsonwebtoken', jose, jwt, secret });
  const server = await startApp(app);
  const token = await mint(libraries.jsonwebtoken.sign);
  revokedJtis.add(jtiOf(token));
  checkDelayMs = 200;
  try {
    telemetry.reset();
    assert.equal((await server.get('/orders', token)).status, 200);
    const request = await eventually(
      () => telemetry.logRecords().find((r) => r.eventName === 'jwt.request'),
      'the jwt.request record',
    );
    assert.equal(request.attributes['jwt.validation.outcome'], 'valid');
    assert.equal(request.attributes['jwt.findings'], undefined, 'not mistaken for an unverified bearer');
    const verifies = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.verify');
    assert.equal(
      request.attributes['jwt.operation'],
      undefined,
      'the request record does not wait for the check: the verify keeps its own record',
    );
    assert.equal(verifies().length, 0, 'the verify record is still waiting for the check');
    const verify = await eventually(() => verifies()[0], 'the verify record');
    assert.ok(verify.attributes['jwt.findings'].includes('revoked_token_accepted'));
  } finally {
    checkDelayMs = 0;
    await server.close();
  }
});

test('an isRevoked that never settles: the record waits at most revocationCheckTimeoutMs, then says timeout', async () => {
  const TIMEOUT_MS = 200;
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked, revocationCheckTimeoutMs: TIMEOUT_MS });
  checkNeverSettles = true;
  try {
    const token = await mint(libraries.jsonwebtoken.sign);
    telemetry.reset();
    const started = performance.now();
    jwt.verify(token, secret, { algorithms: ['HS256'] });
    const record = await eventually(
      () => telemetry.logRecords().find((r) => r.eventName === 'jwt.verify'),
      'the verify record',
      10_000,
    );
    const waited = performance.now() - started;
    assert.equal(record.attributes['jwt.revocation.check'], 'timeout');
    assert.ok(!(record.attributes['jwt.findings'] ?? []).includes('revoked_token_accepted'), 'recorded as not revoked');
    assert.ok(waited >= TIMEOUT_MS * 0.9, `the record came after the bound (${waited.toFixed(0)} ms)`);
  } finally {
    checkNeverSettles = false;
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked });
  }
});

test('at most 1000 isRevoked answers are waited for at once: the next record says overloaded at once, and room comes back as answers arrive', async () => {
  const answers = [];
  const waiting = () => new Promise((resolve) => answers.push(resolve));
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked: waiting, revocationCheckTimeoutMs: 60_000 });
  try {
    const tokens = await Promise.all(Array.from({ length: 1001 }, () => mint(libraries.jsonwebtoken.sign)));
    telemetry.reset();
    const verifyRecords = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.verify');
    for (const token of tokens.slice(0, 1000)) jwt.verify(token, secret, { algorithms: ['HS256'] });
    assert.equal(verifyRecords().length, 0, 'the first 1000 records wait for their answers');
    jwt.verify(tokens[1000], secret, { algorithms: ['HS256'] });
    assert.deepEqual(
      verifyRecords().map((r) => r.attributes['jwt.revocation.check']),
      ['overloaded'],
      'the 1001st is recorded at once',
    );
    assert.equal(answers.length, 1001, 'isRevoked was still called');
    for (const answer of answers) answer(false);
    const all = await eventually(
      () => (verifyRecords().length === 1001 ? verifyRecords() : undefined),
      'every verify record',
      30_000,
    );
    assert.equal(
      all.filter((r) => r.attributes['jwt.revocation.check'] === undefined).length,
      1000,
      'the answered checks carry no check outcome',
    );
    // Room again: the next check is waited for.
    telemetry.reset();
    jwt.verify(tokens[0], secret, { algorithms: ['HS256'] });
    assert.equal(verifyRecords().length, 0, 'waited for again');
    answers.at(-1)(true);
    const record = await eventually(() => verifyRecords()[0], 'the next verify record');
    assert.ok(record.attributes['jwt.findings'].includes('revoked_token_accepted'));
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked });
  }
});

test('an isRevoked that rejects is recorded with jwt.revocation.check error', async () => {
  const token = await mint(libraries.jsonwebtoken.sign);
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked: () => Promise.reject(new Error('store down')) });
  try {
    telemetry.reset();
    jwt.verify(token, secret, { algorithms: ['HS256'] });
    const record = await eventually(
      () => telemetry.logRecords().find((r) => r.eventName === 'jwt.verify'),
      'the verify record',
    );
    assert.equal(record.attributes['jwt.revocation.check'], 'error');
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, isRevoked });
  }
});

test("a revoked token used in a request: the revoked_token_used alert is an event on the request's server span", async () => {
  const { appFor, startApp } = await import('./support/insight-app.mjs');
  const server = await startApp(appFor({ library: 'jsonwebtoken', jose, jwt, secret }));
  const token = await mint(libraries.jsonwebtoken.sign);
  recordRevocation({ token, reason: 'compromised' });
  try {
    telemetry.reset();
    assert.equal((await server.get('/orders', token)).status, 200);
    const serverSpan = await eventually(
      () => telemetry.spans().find((s) => s.kind === SpanKind.SERVER && s.events.some((e) => e.name === 'jwt.alert')),
      'the server span with the alert event',
    );
    const event = serverSpan.events.find((e) => e.name === 'jwt.alert');
    assert.equal(event.attributes['jwt.alert.name'], 'revoked_token_used');
    assert.equal(
      telemetry.spans().filter((s) => s.name === 'jwt.verify').length,
      0,
      "the request's successful verify has no span of its own",
    );
  } finally {
    await server.close();
  }
});
