/**
 * jwt.key.fingerprint of a shared secret is the documented stretched pseudonym (scrypt, N = 2^12, over a SHA-256
 * digest of the secret, salted with the pseudonym of a fixed label), not a plain HMAC that a leaked pseudonym key
 * would let anyone test guessed secrets against at full speed; a key pair's is the HMAC pseudonym of its SPKI.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { run } from './support/insight.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = randomBytes(32).toString('hex');
telemetry.leaks.register(secret, 'HMAC secret');

test('a shared secret\'s fingerprint is the stretched pseudonym of its digest', async () => {
  const signed = await run(telemetry, () => jwt.sign({ sub: 'fingerprint-test' }, secret, { algorithm: 'HS256' }));
  telemetry.leaks.registerToken(signed.value);
  const digest = createHash('sha256').update('oct:').update(Buffer.from(secret, 'utf8')).digest('hex');
  const expected = scryptSync(digest, pseudonym('tokentrail.jwt.key.fingerprint'), 16, { N: 2 ** 12, r: 8, p: 1 }).toString('hex');
  assert.equal(signed.span.attributes['jwt.key.fingerprint'], expected);
  assert.notEqual(expected, createHmac('sha256', PSEUDONYM_KEY).update(digest).digest('hex').slice(0, 32), 'not the plain keyed pseudonym');
});

test('a key pair\'s fingerprint is the keyed pseudonym of its public key', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = await run(telemetry, () => jwt.sign({ sub: 'fingerprint-test' }, privateKey, { algorithm: 'ES256' }));
  telemetry.leaks.registerToken(signed.value);
  const digest = createHash('sha256').update('spki:').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  assert.equal(signed.span.attributes['jwt.key.fingerprint'], pseudonym(digest));
});

test('fast-jwt and hono name their key too: one fingerprint for sign and verify, and the weak-key finding', async () => {
  const { createSigner, createVerifier } = createRequire(import.meta.url)('fast-jwt');
  const { sign: honoSign, verify: honoVerify } = await import('hono/jwt');
  const weak = 'short-secret';
  telemetry.leaks.register(weak, 'weak HMAC secret');
  const fp = (r) => r.span.attributes['jwt.key.fingerprint'];
  const fastSigned = await run(telemetry, () => createSigner({ key: secret, algorithm: 'HS256' })({ sub: 'fast' }), { operation: 'sign' });
  telemetry.leaks.registerToken(fastSigned.value);
  const fastVerified = await run(telemetry, () => createVerifier({ key: secret })(fastSigned.value), { operation: 'verify' });
  assert.match(fp(fastSigned), /^[0-9a-f]{32}$/);
  assert.equal(fp(fastVerified), fp(fastSigned));
  const honoSigned = await run(telemetry, () => honoSign({ sub: 'hono', exp: Math.floor(Date.now() / 1000) + 60 }, weak, 'HS256'), { operation: 'sign' });
  telemetry.leaks.registerToken(honoSigned.value);
  const honoVerified = await run(telemetry, () => honoVerify(honoSigned.value, weak, 'HS256'), { operation: 'verify' });
  assert.equal(fp(honoVerified), fp(honoSigned));
  assert.notEqual(fp(honoSigned), fp(fastSigned), 'another secret, another fingerprint');
  assert.ok(honoVerified.findings.includes('hmac_key_weak'), 'a 12-byte HS256 secret is weak');
  assert.ok(!fastVerified.findings.includes('hmac_key_weak'));
});
