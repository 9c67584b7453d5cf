import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { AUDIENCE, ISSUER, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { assertOperation, assertVerifyCase, dimensionsOf } from './support/record.mjs';
import { expectedAttributes } from './support/expected.mjs';
import { librarySuite, suitePayload } from './support/library-suite.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const { decode, sign: honoSign, verify, verifyWithJwks } = await import('hono/jwt');

const { leaks, record, exported, secret, otherSecret } = librarySuite(telemetry);

const header = { alg: 'HS256', typ: 'JWT' };

const payload = (overrides) => suitePayload(overrides, { iat: nowSeconds() - 5 });

async function sign(claims, key = secret) {
  const token = await honoSign(claims, key);
  leaks.registerToken(token);
  return token;
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

const verifyCases = [
  { name: 'valid', claims: payload(), options: { alg: 'HS256', iss: ISSUER, aud: AUDIENCE } },
  {
    name: 'expired',
    claims: payload({ exp: nowSeconds() - 60 }),
    reason: 'expired',
    claim: 'exp',
    errorType: 'JwtTokenExpired',
  },
  {
    name: 'bad signature',
    claims: payload(),
    key: otherSecret,
    reason: 'signature_invalid',
    errorType: 'JwtTokenSignatureMismatched',
  },
  {
    name: 'wrong aud',
    claims: payload(),
    options: { alg: 'HS256', aud: 'billing-api' },
    reason: 'claim_invalid',
    claim: 'aud',
    errorType: 'JwtTokenAudience',
  },
  {
    name: 'wrong iss',
    claims: payload(),
    options: { alg: 'HS256', iss: 'https://other-idp.example.test' },
    reason: 'claim_invalid',
    claim: 'iss',
    errorType: 'JwtTokenIssuer',
  },
  {
    name: 'nbf in the future',
    claims: payload({ nbf: nowSeconds() + 3600 }),
    reason: 'not_yet_valid',
    claim: 'nbf',
    errorType: 'JwtTokenNotBefore',
  },
  {
    name: 'alg not allowed',
    claims: payload(),
    options: 'HS512',
    reason: 'alg_not_allowed',
    errorType: 'JwtAlgorithmMismatch',
  },
  { name: 'malformed', token: 'not-a-compact-jws', reason: 'malformed', errorType: 'JwtTokenInvalid' },
];

for (const c of verifyCases) {
  test(`hono verify: ${c.name}`, async () => {
    const token = c.token ?? (await sign(c.claims, c.key ?? secret));
    const recorded = await record(() => verify(token, secret, c.options ?? 'HS256'));
    assert.equal(recorded.error?.name, c.errorType, 'the library still decides');
    const { claims, reason, claim, errorType } = c;
    const issuerChecked = c.options?.iss !== undefined;
    assertVerifyCase(recorded, {
      library: 'hono',
      token,
      header: c.token ? undefined : header,
      claims,
      reason,
      claim,
      errorType,
      issuerChecked,
    });
  });
}

test('hono verify of an unsigned token (alg none): alg_not_allowed', async () => {
  const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload())}.`;
  leaks.registerToken(token);
  const recorded = await record(() => verify(token, secret, 'HS256'));
  assert.equal(recorded.error.name, 'JwtHeaderInvalid');
  assert.equal(recorded.span.attributes['jwt.validation.reason'], 'alg_not_allowed');
});

test("hono verifyWithJwks: the key set has no key for the token's kid → key_not_found; with it → valid", async () => {
  const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signing = pair();
  const jwk = { ...signing.privateKey.export({ format: 'jwk' }), kid: 'rsa-a', alg: 'RS256' };
  leaks.register(jwk.d, 'RSA private exponent');
  const token = await honoSign(payload(), jwk, 'RS256');
  leaks.registerToken(token);
  const publicJwk = { ...signing.publicKey.export({ format: 'jwk' }), kid: 'rsa-a', alg: 'RS256' };
  const otherJwk = { ...pair().publicKey.export({ format: 'jwk' }), kid: 'rsa-b', alg: 'RS256' };
  const missing = await record(() => verifyWithJwks(token, { keys: [otherJwk], allowedAlgorithms: ['RS256'] }));
  assert.equal(missing.error.name, 'JwtTokenInvalid');
  assert.equal(missing.span.attributes['jwt.validation.reason'], 'key_not_found');
  const found = await record(() =>
    verifyWithJwks(token, { keys: [otherJwk, publicJwk], allowedAlgorithms: ['RS256'] }),
  );
  assert.equal(found.span.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(found.span.attributes['jwt.header.kid'], 'rsa-a');
});

test('hono verifyWithJwks over a jwks_uri: valid while the endpoint answers, jwks_fetch_failed when it fails', async () => {
  const { startJwksServer } = await import('./support/jwks-server.mjs');
  const server = await startJwksServer();
  try {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'remote-a', alg: 'RS256' };
    leaks.register(jwk.d, 'RSA private exponent');
    server.rotate([{ ...publicKey.export({ format: 'jwk' }), kid: 'remote-a', alg: 'RS256' }]);
    const token = await honoSign(payload(), jwk, 'RS256');
    leaks.registerToken(token);
    const options = { jwks_uri: `http://127.0.0.1:${server.port}/jwks.json`, allowedAlgorithms: ['RS256'] };
    const ok = await record(() => verifyWithJwks(token, options));
    assert.equal(ok.span.attributes['jwt.validation.outcome'], 'valid');
    server.fail(503);
    const failed = await record(() => verifyWithJwks(token, options));
    assert.match(failed.error.message, /failed to fetch JWKS/);
    assert.equal(failed.span.attributes['jwt.validation.reason'], 'jwks_fetch_failed');
    assert.equal(failed.span.attributes['error.type'], 'Error');
  } finally {
    await server.close();
  }
});

test('hono sign', async () => {
  const claims = payload({ jti: 'jti-0004' });
  const recorded = await record(() => honoSign(claims, secret));
  leaks.registerToken(recorded.value);
  const attributes = expectedAttributes({
    operation: 'sign',
    library: 'hono',
    header,
    payload: claims,
    token: recorded.value,
  });
  assertOperation(recorded, {
    name: 'jwt.sign',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: true }),
    failed: false,
  });
});

test('hono decode, and decode of a malformed token', async () => {
  const claims = payload();
  const token = await sign(claims);
  const recorded = await record(() => decode(token));
  assert.deepEqual(recorded.value.payload, claims);
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'hono',
    outcome: 'unverified',
    header,
    payload: claims,
    token,
  });
  assertOperation(recorded, {
    name: 'jwt.decode',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: false,
  });
  const bad = await record(() => decode('a.b'));
  const badAttributes = expectedAttributes({
    operation: 'decode',
    library: 'hono',
    outcome: 'invalid',
    reason: 'malformed',
    errorType: 'JwtTokenInvalid',
    token: 'a.b',
  });
  assertOperation(bad, {
    name: 'jwt.decode',
    attributes: badAttributes,
    dimensions: dimensionsOf(badAttributes, { trusted: false }),
    failed: true,
  });
});

test('nothing secret was exported by any hono operation above', () => {
  const scanned = leaks.assertClean(exported);
  assert.ok(exported.spans.length >= verifyCases.length + 5);
  assert.ok(scanned > 100);
});
