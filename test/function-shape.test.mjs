/**
 * Wrapped functions look like the library's own: the same `name` and `length` for every function the
 * instrumentation replaces (module exports, class methods, the functions fast-jwt's factories produce), and
 * a promise the instrumentation returns settles exactly one microtask after the library's own (pinned here,
 * documented in the package README): the library's promise is observed through a derived one, because
 * observing it directly would mark a rejection handled that the application left unhandled.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { isWrapped } from '@opentelemetry/instrumentation';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY } from './support/jwt-fixtures.mjs';

setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const require = createRequire(import.meta.url);
const jose = await import('jose');
const jwt = require('jsonwebtoken');
const fastJwt = require('fast-jwt');
const hono = await import('hono/jwt');
const honoUtils = await import('hono/utils/jwt');
const jwksRsa = require('jwks-rsa');

function wrappedFunctions(holder) {
  const found = [];
  for (const key of Object.getOwnPropertyNames(holder)) {
    const value = Object.getOwnPropertyDescriptor(holder, key)?.value;
    if (typeof value === 'function' && isWrapped(value)) found.push([key, value]);
  }
  return found;
}

test('every wrapped function keeps the name and length of the original', () => {
  const holders = {
    jose,
    'jose SignJWT.prototype': jose.SignJWT.prototype,
    'jose EncryptJWT.prototype': jose.EncryptJWT.prototype,
    jsonwebtoken: jwt,
    'fast-jwt': fastJwt,
    'hono/jwt': hono,
    'hono/utils/jwt': honoUtils.Jwt ?? honoUtils,
    'jwks-rsa': jwksRsa,
    'jwks-rsa JwksClient.prototype': jwksRsa.JwksClient.prototype,
  };
  const seen = [];
  for (const [holderName, holder] of Object.entries(holders)) {
    for (const [key, fn] of wrappedFunctions(holder)) {
      seen.push(`${holderName}.${key}`);
      assert.equal(fn.name, fn.__original.name, `${holderName}.${key} name`);
      assert.equal(fn.length, fn.__original.length, `${holderName}.${key} length`);
    }
  }
  for (const name of [
    'jose.jwtVerify',
    'jose.decodeJwt',
    'jose SignJWT.prototype.sign',
    'jsonwebtoken.verify',
    'jsonwebtoken.sign',
    'jsonwebtoken.decode',
    'fast-jwt.createVerifier',
  ]) {
    assert.ok(seen.includes(name), `${name} is wrapped and checked (checked: ${seen.join(', ')})`);
  }
  // The arities the libraries document, as the application sees them.
  assert.deepEqual([jwt.verify.length, jwt.sign.length, jwt.decode.length], [4, 4, 2]);
  assert.equal(jose.SignJWT.prototype.sign.length, 2);
  assert.equal(jose.jwtVerify.length, 3);
  assert.deepEqual(
    [jose.jwtVerify.name, jose.SignJWT.prototype.sign.name, jose.decodeJwt.name],
    ['jwtVerify', 'sign', 'decodeJwt'],
  );
});

test("functions produced by fast-jwt's factories keep their name and length", () => {
  const verifier = fastJwt.createVerifier({ key: 'fast-jwt-secret-0123456789abcdef' });
  const bare = fastJwt.createVerifier.__original({ key: 'fast-jwt-secret-0123456789abcdef' });
  assert.equal(verifier.name, bare.name);
  assert.equal(verifier.length, bare.length);
});

/** Microtasks from the call until the caller's handler runs, for a promise settled without any I/O. */
async function microtasksUntilSettled(call) {
  let ticks = 0;
  let settled = false;
  const tick = () => {
    ticks += 1;
    if (!settled && ticks < 1000) queueMicrotask(tick);
  };
  queueMicrotask(tick);
  await call().then(
    () => {},
    () => {},
  );
  settled = true;
  return ticks;
}

test("a jose promise settles exactly one microtask after the library's own", async () => {
  const key = new TextEncoder().encode('microtask-secret-0123456789abcdef');
  // A malformed token: jose rejects in microtasks only, so the count is exact.
  for (const [name, call] of [
    ['jwtVerify', (fn) => fn('not.a.token', key)],
    ['compactVerify', (fn) => fn('not-a-token', key)],
  ]) {
    const bare = await microtasksUntilSettled(() => call(jose[name].__original));
    const instrumented = await microtasksUntilSettled(() => call(jose[name]));
    assert.equal(instrumented - bare, 1, `${name}: ${bare} bare, ${instrumented} instrumented`);
  }
});
