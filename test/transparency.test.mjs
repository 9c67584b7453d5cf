/**
 * The instrumentation changes nothing the application can observe: with it enabled and disabled, every call
 * returns the same value, throws an error of the same class with the same code, name, message and fields,
 * calls callbacks with the same arguments at the same moment (synchronously or not), and the error the
 * caller catches is the very object the library created.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { isWrapped } from '@opentelemetry/instrumentation';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { AUDIENCE, ISSUER, PERSONAL, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { observe, settle, settleCallback } from './support/observe.mjs';

const telemetry = setupTelemetry();
const hookErrors = [];
const instrumentation = new JwtInstrumentation({
  pseudonymKey: PSEUDONYM_KEY,
  verifyHook: (_span, info) => info.error && hookErrors.push(info.error),
});
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const fastJwt = createRequire(import.meta.url)('fast-jwt');
const hono = await import('hono/jwt');

const secretText = randomBytes(24).toString('hex');
const secret = new TextEncoder().encode(secretText);
const claims = { ...PERSONAL, iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600 };
const header = { alg: 'HS256', typ: 'JWT' };
const joseToken = await new jose.SignJWT(claims).setProtectedHeader(header).sign(secret);
const jwtToken = jwt.sign(claims, secretText);
const expired = jwt.sign({ ...claims, exp: nowSeconds() - 10 }, secretText);
for (const t of [joseToken, jwtToken, expired]) telemetry.leaks.registerToken(t);
telemetry.leaks.register(secretText, 'HMAC secret');
telemetry.leaks.register(PERSONAL.email, 'email claim');
telemetry.leaks.register(PERSONAL.sub, 'raw sub');
const tampered = `${jwtToken.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${jwtToken.split('.')[2]}`;

const cases = {
  'jose jwtVerify valid': () => settle(() => jose.jwtVerify(joseToken, secret, { issuer: ISSUER })),
  'jose jwtVerify wrong audience': () => settle(() => jose.jwtVerify(joseToken, secret, { audience: 'other' })),
  'jose jwtVerify bad key': () => settle(() => jose.jwtVerify(joseToken, new TextEncoder().encode('x'.repeat(32)))),
  'jose jwtVerify not a token': () => settle(() => jose.jwtVerify('abc', secret)),
  'jose jwtVerify wrong argument type': () => settle(() => jose.jwtVerify(42, secret)),
  'jose SignJWT#sign (deterministic HS256)': () =>
    settle(() => new jose.SignJWT(claims).setProtectedHeader(header).sign(secret)),
  'jose decodeJwt': () => settle(() => jose.decodeJwt(joseToken)),
  'jose decodeJwt malformed': () => settle(() => jose.decodeJwt('x.y')),
  'jsonwebtoken verify valid': () => settle(() => jwt.verify(jwtToken, secretText)),
  'jsonwebtoken verify complete': () => settle(() => jwt.verify(jwtToken, secretText, { complete: true })),
  'jsonwebtoken verify expired': () => settle(() => jwt.verify(expired, secretText)),
  'jsonwebtoken verify tampered': () => settle(() => jwt.verify(tampered, secretText)),
  'jsonwebtoken verify callback valid': () => settleCallback((cb) => jwt.verify(jwtToken, secretText, cb)),
  'jsonwebtoken verify callback expired': () => settleCallback((cb) => jwt.verify(expired, secretText, {}, cb)),
  'jsonwebtoken verify async key callback': () =>
    settleCallback((cb) => jwt.verify(jwtToken, (_h, done) => setImmediate(() => done(null, secretText)), cb)),
  'jsonwebtoken verify callback with a null fourth argument': () =>
    settleCallback((cb) => jwt.verify(jwtToken, secretText, cb, null)),
  'jsonwebtoken sign callback with a stray fourth argument': () =>
    settleCallback((cb) => jwt.sign(claims, secretText, cb, () => {})),
  'jsonwebtoken sign sync': () => settle(() => jwt.sign(claims, secretText)),
  'jsonwebtoken sign callback': () => settleCallback((cb) => jwt.sign(claims, secretText, cb)),
  'jsonwebtoken sign bad options': () => settle(() => jwt.sign(claims, secretText, { expiresIn: 'soon' })),
  'jsonwebtoken decode': () => settle(() => jwt.decode(jwtToken, { complete: true })),
  'jsonwebtoken decode garbage': () => settle(() => jwt.decode('garbage')),
  'fast-jwt verifier valid': () => settle(() => fastJwt.createVerifier({ key: secretText })(jwtToken)),
  'fast-jwt verifier complete': () =>
    settle(() => fastJwt.createVerifier({ key: secretText, complete: true })(jwtToken)),
  'fast-jwt verifier expired': () => settle(() => fastJwt.createVerifier({ key: secretText })(expired)),
  'fast-jwt verifier tampered': () => settle(() => fastJwt.createVerifier({ key: secretText })(tampered)),
  'fast-jwt verifier not a string': () => settle(() => fastJwt.createVerifier({ key: secretText })(42)),
  'fast-jwt verifier key fetcher, promise': () =>
    settle(() => fastJwt.createVerifier({ key: async () => secretText })(jwtToken)),
  'fast-jwt verifier key fetcher, promise, expired': () =>
    settle(() => fastJwt.createVerifier({ key: async () => secretText })(expired)),
  'fast-jwt verifier key fetcher, callback': () =>
    settleCallback((cb) =>
      fastJwt.createVerifier({ key: (_d, done) => setImmediate(() => done(null, secretText)) })(jwtToken, cb),
    ),
  'fast-jwt verifier key fetcher, callback, malformed (called back at once)': () =>
    settleCallback((cb) => fastJwt.createVerifier({ key: (_d, done) => done(null, secretText) })('x.y', cb)),
  'fast-jwt verifier key fetcher that fails': () =>
    settle(() =>
      fastJwt.createVerifier({
        key: async () => {
          throw new Error('no key');
        },
      })(jwtToken),
    ),
  'fast-jwt signer sync': () =>
    settle(() => fastJwt.createSigner({ key: secretText, clockTimestamp: 1_800_000_000_000 })({ sub: 'x' })),
  'fast-jwt signer callback': () =>
    settleCallback((cb) =>
      fastJwt.createSigner({ key: (_d, done) => done(null, secretText), clockTimestamp: 1_800_000_000_000 })(
        { sub: 'x' },
        cb,
      ),
    ),
  'fast-jwt signer promise refusing a payload': () =>
    settle(() => fastJwt.createSigner({ key: async () => secretText })('no')),
  'fast-jwt decoder': () => settle(() => fastJwt.createDecoder({ complete: true })(jwtToken)),
  'fast-jwt decoder garbage': () => settle(() => fastJwt.createDecoder()('garbage')),
  'hono verify valid': () => settle(() => hono.verify(jwtToken, secretText, 'HS256')),
  'hono verify expired': () => settle(() => hono.verify(expired, secretText, 'HS256')),
  'hono verify tampered': () => settle(() => hono.verify(tampered, secretText, { alg: 'HS256', iss: ISSUER })),
  'hono verify without an algorithm': () => settle(() => hono.verify(jwtToken, secretText)),
  'hono verify not a string': () => settle(() => hono.verify(42, secretText, 'HS256')),
  'hono sign': () => settle(() => hono.sign(claims, secretText)),
  'hono decode': () => settle(() => hono.decode(jwtToken)),
  'hono decode garbage': () => settle(() => hono.decode('garbage')),
};

for (const [name, run] of Object.entries(cases)) {
  test(`same observable result with and without the instrumentation: ${name}`, async () => {
    telemetry.reset();
    const enabled = observe(await run());
    assert.ok(telemetry.spans().length >= 1, 'the instrumented run was recorded');
    instrumentation.disable();
    try {
      telemetry.reset();
      const disabled = observe(await run());
      assert.equal(telemetry.spans().length, 0, 'the disabled run was not recorded');
      assert.deepStrictEqual(enabled, disabled);
    } finally {
      instrumentation.enable();
    }
  });
}

/**
 * Runs `call` (returning, throwing, rejecting or calling back with an error) and records every error object
 * constructed meanwhile through `Error.captureStackTrace`, which the error classes of jose, jsonwebtoken and
 * fast-jwt call in their constructors (the call is still performed).
 */
async function withConstructedErrors(call) {
  const constructed = [];
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = function (target, ...rest) {
    constructed.push(target);
    return capture.call(this, target, ...rest);
  };
  try {
    return { caught: await caughtBy(call), constructed };
  } finally {
    Error.captureStackTrace = capture;
  }
}

/** The error `call` throws, rejects with or calls back with. */
async function caughtBy(call) {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail('the call failed');
}

const callingBack = (fn) => () =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

const libraryErrors = {
  'jose jwtVerify, wrong audience (rejects)': () => jose.jwtVerify(joseToken, secret, { audience: 'other' }),
  'jose compactVerify, bad key (rejects)': () =>
    jose.compactVerify(joseToken, new TextEncoder().encode('x'.repeat(32))),
  'jose decodeJwt, malformed (throws)': () => jose.decodeJwt('x.y'),
  'jsonwebtoken verify, expired (throws)': () => jwt.verify(expired, secretText),
  'jsonwebtoken verify, tampered (calls back)': callingBack((cb) => jwt.verify(tampered, secretText, cb)),
  'fast-jwt verifier, expired (throws)': () => fastJwt.createVerifier({ key: secretText })(expired),
  'fast-jwt verifier with a key fetcher, tampered (rejects)': () =>
    fastJwt.createVerifier({ key: async () => secretText })(tampered),
  'fast-jwt verifier with a key fetcher, malformed (calls back)': callingBack((cb) =>
    fastJwt.createVerifier({ key: (_d, done) => done(null, secretText) })('x.y', cb),
  ),
  'fast-jwt decoder, garbage (throws)': () => fastJwt.createDecoder()('garbage'),
};

for (const [name, call] of Object.entries(libraryErrors)) {
  test(`the error the caller catches is the very object the library constructed: ${name}`, async () => {
    hookErrors.length = 0;
    const enabled = await withConstructedErrors(call);
    assert.equal(hookErrors.length, 1, 'the instrumented call was recorded');
    instrumentation.disable();
    let disabled;
    try {
      disabled = await withConstructedErrors(call);
    } finally {
      instrumentation.enable();
    }
    const position = disabled.constructed.indexOf(disabled.caught);
    assert.ok(position >= 0, 'without the instrumentation, the caught error is one the library constructed');
    assert.equal(
      enabled.constructed.length,
      disabled.constructed.length,
      "no error object is constructed beside the library's",
    );
    assert.equal(enabled.caught, enabled.constructed[position], "the caught error is the library's own object");
  });
}

test('an error a user function throws inside the library reaches the caller as that very object', async () => {
  const thrown = () => new Error('from the key source');
  const passedThrough = {
    'jose jwtVerify with a key function': (error) => jose.jwtVerify(joseToken, () => Promise.reject(error)),
    'hono verifyWithJwks with a key set that fails': (error) => {
      const kidToken = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')}.e30.c2ln`;
      const keys = {
        [Symbol.iterator]: () => {
          throw error;
        },
      };
      return hono.verifyWithJwks(kidToken, { keys, allowedAlgorithms: ['RS256'] });
    },
    'fast-jwt signer with a key fetcher that throws': (error) =>
      fastJwt
        .createSigner({
          key: async () => {
            throw error;
          },
        })({ sub: 'x' })
        .catch((e) => Promise.reject(e.originalError ?? e)),
  };
  for (const [name, call] of Object.entries(passedThrough)) {
    telemetry.reset();
    const error = thrown();
    assert.equal(await caughtBy(() => call(error)), error, name);
    assert.ok(telemetry.spans().length >= 1, `${name} was recorded`);
  }
});

test('disable() restores the original fast-jwt factories; a verifier made while enabled keeps its properties', () => {
  const verifier = fastJwt.createVerifier({ key: secretText, cache: true });
  const original = fastJwt.createVerifier.__original({ key: secretText, cache: true });
  assert.deepEqual(Object.keys(verifier), Object.keys(original));
  assert.equal(verifier.name, original.name);
  assert.equal(verifier.length, original.length);
  instrumentation.disable();
  try {
    for (const name of ['createVerifier', 'createSigner', 'createDecoder'])
      assert.equal(isWrapped(fastJwt[name]), false, name);
  } finally {
    instrumentation.enable();
  }
  assert.equal(isWrapped(fastJwt.createVerifier), true);
});

test('disable() restores the original jsonwebtoken functions and enable() patches them again', () => {
  assert.equal(isWrapped(jwt.verify), true);
  instrumentation.disable();
  try {
    assert.equal(isWrapped(jwt.verify), false);
    assert.equal(isWrapped(jwt.sign), false);
    assert.equal(isWrapped(jwt.decode), false);
  } finally {
    instrumentation.enable();
  }
  assert.equal(isWrapped(jwt.verify), true);
});

test('OTEL_SDK_DISABLED=true: the process is exactly as if @tokentrail/register were not loaded (no module hook, no wrapper, no subscription, no listener)', () => {
  const fixture = new URL('./fixtures/process-state-app.mjs', import.meta.url).pathname;
  const quiet = {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    TOKENTRAIL_PSEUDONYM_KEY: '',
  };
  const run = (args, env) => {
    const result = spawnSync(process.execPath, [...args, fixture], {
      cwd: new URL('./fixtures/', import.meta.url),
      encoding: 'utf8',
      env: { ...process.env, ...quiet, ...env },
    });
    assert.equal(result.status, 0, result.stderr);
    return {
      state: JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{'))),
      stdout: result.stdout,
      stderr: result.stderr,
    };
  };
  const bare = run([], { OTEL_SDK_DISABLED: 'true' });
  for (const flag of ['--import', '--require']) {
    for (const value of ['true', 'TRUE']) {
      const disabled = run([flag, '@tokentrail/register'], { OTEL_SDK_DISABLED: value });
      assert.deepStrictEqual(disabled.state, bare.state, `${flag} with OTEL_SDK_DISABLED=${value}`);
      assert.equal(disabled.stderr + disabled.stdout, bare.stderr + bare.stdout, 'nothing said either');
    }
  }
  // The comparison sees each of these when the register does start.
  const enabled = run(['--import', '@tokentrail/register'], { OTEL_SDK_DISABLED: 'false' });
  for (const key of ['moduleHookThreads', 'subscribers', 'listeners', 'openTelemetryGlobals'])
    assert.notDeepStrictEqual(enabled.state[key], bare.state[key], key);
  assert.notDeepStrictEqual(
    enabled.state.functions['jose.jwtVerify'],
    bare.state.functions['jose.jwtVerify'],
    'jose (ESM) is wrapped',
  );
  assert.notDeepStrictEqual(
    enabled.state.functions['jsonwebtoken.verify'],
    bare.state.functions['jsonwebtoken.verify'],
    'jsonwebtoken is wrapped',
  );
});
