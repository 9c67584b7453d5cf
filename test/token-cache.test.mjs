/**
 * The per-token attribute cache: a token seen again is described exactly as the first
 * time, a changed policy is applied at once, a token seen with and without claims (a JWE that failed to
 * decrypt, then decrypted) is described as each call saw it, and a hook cannot change what later calls export.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { recordOperation } from './support/record.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const jose = await import('jose');
const secret = randomBytes(32).toString('hex');
telemetry.leaks.register(secret, 'HMAC secret');
telemetry.leaks.register(PERSONAL.email, 'email claim');

function mint(claims = {}) {
  const token = jwt.sign({ ...PERSONAL, iss: 'https://idp.example.test', ...claims }, secret, { keyid: 'k1' });
  telemetry.leaks.registerToken(token);
  return token;
}

const verified = async (token) => (await recordOperation(telemetry, () => jwt.verify(token, secret))).span.attributes;

test('a token verified again exports the same attributes', async () => {
  const token = mint();
  const first = { ...(await verified(token)) };
  const second = { ...(await verified(token)) };
  assert.deepEqual(second, first);
  assert.equal(second['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
  assert.equal(second['jwt.header.kid'], 'k1');
});

test('a new claim policy applies to a token already seen', async () => {
  const token = mint({ tenant: 'acme' });
  assert.equal((await verified(token))['jwt.claims.tenant'], undefined);
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, claims: { tenant: 'keep', sub: 'drop' } });
  try {
    const attributes = await verified(token);
    assert.equal(attributes['jwt.claims.tenant'], 'acme');
    assert.equal(attributes['enduser.pseudo.id'], undefined);
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
});

test('a failed verify of a token seen valid keeps its own outcome and the token attributes', async () => {
  const token = mint();
  const valid = await verified(token);
  const failed = (await recordOperation(telemetry, () => jwt.verify(token, secret, { audience: 'elsewhere' }))).span
    .attributes;
  assert.equal(failed['jwt.validation.outcome'], 'invalid');
  assert.equal(failed['jwt.validation.reason'], 'claim_invalid');
  assert.equal(valid['jwt.validation.reason'], undefined);
  assert.equal(failed['jwt.token.fingerprint'], valid['jwt.token.fingerprint']);
});

test('a JWE that failed to decrypt, then decrypted, has claims only when decrypted', async () => {
  const key = randomBytes(32);
  const other = randomBytes(32);
  const token = await new jose.EncryptJWT({ sub: PERSONAL.sub, iss: 'https://idp.example.test' })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(key);
  telemetry.leaks.registerToken(token);
  const failed = (await recordOperation(telemetry, () => jose.jwtDecrypt(token, other))).span.attributes;
  const decrypted = (await recordOperation(telemetry, () => jose.jwtDecrypt(token, key))).span.attributes;
  assert.equal(failed['jwt.claims.iss'], undefined);
  assert.equal(decrypted['jwt.claims.iss'], 'https://idp.example.test');
  assert.equal(decrypted['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
  assert.equal(failed['jwt.token.fingerprint'], decrypted['jwt.token.fingerprint']);
});

test('a hook that tries to change the header it is given changes nothing later calls export', async () => {
  const token = mint();
  const attempts = [];
  instrumentation.setConfig({
    pseudonymKey: PSEUDONYM_KEY,
    verifyHook: (_span, info) => {
      try {
        info.header.kid = 'changed';
      } catch (error) {
        attempts.push(error);
      }
    },
  });
  try {
    const first = await verified(token);
    const attributes = await verified(token);
    assert.equal(first['jwt.header.kid'], 'k1', 'the change is not exported by the call that made it');
    assert.equal(attributes['jwt.header.kid'], 'k1', 'nor by a later call on the same token');
    assert.deepEqual(attempts, [], 'each call hands the hook its own header');
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
});
