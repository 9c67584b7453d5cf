/**
 * jwt.key.fingerprint is the keyed pseudonym (HMAC-SHA-256 with the pseudonym key) of a SHA-256 digest of the
 * key: of the secret for HMAC, of the SPKI for a key pair. No stretching: a service with one secret per user
 * (`JWT_SECRET + passwordHash`) pays an HMAC, not a scrypt, for each new secret.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
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

const secretFingerprint = (text) =>
  pseudonym(createHash('sha256').update('oct:').update(Buffer.from(text, 'utf8')).digest('hex'));

test("a shared secret's fingerprint is the keyed pseudonym of its digest", async () => {
  const signed = await run(telemetry, () => jwt.sign({ sub: 'fingerprint-test' }, secret, { algorithm: 'HS256' }));
  telemetry.leaks.registerToken(signed.value);
  assert.equal(signed.span.attributes['jwt.key.fingerprint'], secretFingerprint(secret));
});

test('one secret per user: each of 600 secrets (more than the key caches hold) gets its own keyed fingerprint, again on every use', async () => {
  const base = randomBytes(16).toString('hex');
  telemetry.leaks.register(base, 'JWT_SECRET');
  const users = Array.from({ length: 600 }, (_, i) => ({ sub: `user-${i}`, secret: `${base}$2b$10$passwordHash${i}` }));
  const tokens = users.map((u) => jwt.sign.__original({ sub: u.sub }, u.secret, { algorithm: 'HS256' }));
  const fingerprints = new Set();
  for (const round of [0, 1]) {
    for (const [i, user] of users.entries()) {
      if (i % 50 !== round) continue;
      telemetry.leaks.registerToken(tokens[i]);
      const verified = await run(telemetry, () => jwt.verify(tokens[i], user.secret), { operation: 'verify' });
      assert.equal(verified.span.attributes['jwt.key.fingerprint'], secretFingerprint(user.secret));
      fingerprints.add(verified.span.attributes['jwt.key.fingerprint']);
    }
    // Every secret used in turn, so the caches are full when the checked ones come back.
    for (const [i, user] of users.entries()) jwt.verify(tokens[i], user.secret);
  }
  assert.equal(fingerprints.size, 24);
});

test("a key pair's fingerprint is the keyed pseudonym of its public key", async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = await run(telemetry, () => jwt.sign({ sub: 'fingerprint-test' }, privateKey, { algorithm: 'ES256' }));
  telemetry.leaks.registerToken(signed.value);
  const digest = createHash('sha256')
    .update('spki:')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  assert.equal(signed.span.attributes['jwt.key.fingerprint'], pseudonym(digest));
});

test('fast-jwt and hono name their key too: one fingerprint for sign and verify, and the weak-key finding', async () => {
  const { createSigner, createVerifier } = createRequire(import.meta.url)('fast-jwt');
  const { sign: honoSign, verify: honoVerify } = await import('hono/jwt');
  const weak = 'short-secret';
  telemetry.leaks.register(weak, 'weak HMAC secret');
  const fp = (r) => r.span.attributes['jwt.key.fingerprint'];
  const fastSigned = await run(telemetry, () => createSigner({ key: secret, algorithm: 'HS256' })({ sub: 'fast' }), {
    operation: 'sign',
  });
  telemetry.leaks.registerToken(fastSigned.value);
  const fastVerified = await run(telemetry, () => createVerifier({ key: secret })(fastSigned.value), {
    operation: 'verify',
  });
  assert.match(fp(fastSigned), /^[0-9a-f]{32}$/);
  assert.equal(fp(fastVerified), fp(fastSigned));
  const honoSigned = await run(
    telemetry,
    () => honoSign({ sub: 'hono', exp: Math.floor(Date.now() / 1000) + 60 }, weak, 'HS256'),
    { operation: 'sign' },
  );
  telemetry.leaks.registerToken(honoSigned.value);
  const honoVerified = await run(telemetry, () => honoVerify(honoSigned.value, weak, 'HS256'), { operation: 'verify' });
  assert.equal(fp(honoVerified), fp(honoSigned));
  assert.notEqual(fp(honoSigned), fp(fastSigned), 'another secret, another fingerprint');
  assert.ok(honoVerified.findings.includes('hmac_key_weak'), 'a 12-byte HS256 secret is weak');
  assert.ok(!fastVerified.findings.includes('hmac_key_weak'));
});
