import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { AUDIENCE, ISSUER, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { assertOperation, assertVerifyCase, dimensionsOf, withoutInsight } from './support/record.mjs';
import { expectedAttributes } from './support/expected.mjs';
import { librarySuite, suitePayload } from './support/library-suite.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const { createSigner, createVerifier, createDecoder } = createRequire(import.meta.url)('fast-jwt');

const { leaks, record, exported, secret, otherSecret } = librarySuite(telemetry);

const header = { alg: 'HS256', typ: 'JWT', kid: 'hs-2026-11' };

const payload = (overrides) => suitePayload(overrides);

function sign(claims, key = secret) {
  const token = createSigner({ key, algorithm: 'HS256', kid: header.kid })(claims);
  leaks.registerToken(token);
  return token;
}

const verifyCases = [
  { name: 'valid', claims: payload(), options: { allowedIss: ISSUER, allowedAud: AUDIENCE } },
  {
    name: 'expired',
    claims: payload({ exp: nowSeconds() - 60 }),
    reason: 'expired',
    claim: 'exp',
    errorType: 'FAST_JWT_EXPIRED',
  },
  {
    name: 'maxAge exceeded',
    claims: payload({ iat: nowSeconds() - 120 }),
    options: { maxAge: 60_000 },
    reason: 'expired',
    claim: 'iat',
    errorType: 'FAST_JWT_EXPIRED',
  },
  {
    name: 'bad signature',
    claims: payload(),
    key: otherSecret,
    reason: 'signature_invalid',
    errorType: 'FAST_JWT_INVALID_SIGNATURE',
  },
  {
    name: 'wrong aud',
    claims: payload(),
    options: { allowedAud: 'billing-api' },
    reason: 'claim_invalid',
    claim: 'aud',
    errorType: 'FAST_JWT_INVALID_CLAIM_VALUE',
  },
  {
    name: 'wrong iss',
    claims: payload(),
    options: { allowedIss: 'https://other-idp.example.test' },
    reason: 'claim_invalid',
    claim: 'iss',
    errorType: 'FAST_JWT_INVALID_CLAIM_VALUE',
  },
  {
    name: 'nbf in the future',
    claims: payload({ nbf: nowSeconds() + 3600 }),
    reason: 'not_yet_valid',
    claim: 'nbf',
    errorType: 'FAST_JWT_INACTIVE',
  },
  {
    name: 'alg not allowed',
    claims: payload(),
    options: { algorithms: ['HS512'] },
    reason: 'alg_not_allowed',
    errorType: 'FAST_JWT_INVALID_ALGORITHM',
  },
  {
    name: 'missing required claim',
    claims: payload(),
    options: { requiredClaims: ['jti'] },
    reason: 'claim_invalid',
    claim: 'jti',
    errorType: 'FAST_JWT_MISSING_REQUIRED_CLAIM',
  },
  { name: 'malformed', token: 'not-a-compact-jws', reason: 'malformed', errorType: 'FAST_JWT_MALFORMED' },
];

/** fast-jwt's three call shapes: a key value (sync), a key fetcher (promise), a key fetcher with a callback. */
const styles = {
  sync: (options) => createVerifier({ key: secret, ...options }),
  promise: (options) => createVerifier({ key: async () => secret, ...options }),
  callback: (options) => {
    const verify = createVerifier({ key: (_decoded, done) => setImmediate(() => done(null, secret)), ...options });
    return (token) =>
      new Promise((resolve, reject) => verify(token, (err, value) => (err ? reject(err) : resolve(value))));
  },
};

for (const [style, make] of Object.entries(styles)) {
  for (const c of verifyCases) {
    test(`fast-jwt verifier (${style}): ${c.name}`, async () => {
      const token = c.token ?? sign(c.claims, c.key);
      const verify = make(c.options);
      const recorded = await record(() => verify(token));
      assert.equal(recorded.error?.code, c.errorType, 'the library still decides');
      const { claims, reason, claim, errorType } = c;
      const issuerChecked = c.options?.allowedIss !== undefined;
      assertVerifyCase(recorded, {
        library: 'fast-jwt',
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
}

test("fast-jwt verifier with complete: true and a cache: each call is recorded, the cache is still the library's", async () => {
  const claims = payload();
  const token = sign(claims);
  const verify = createVerifier({ key: secret, complete: true, cache: true });
  assert.ok(verify.cache, 'the verifier keeps its cache property');
  for (let i = 0; i < 2; i += 1) {
    const recorded = await record(() => verify(token));
    assert.deepEqual(recorded.value.payload, claims);
    assertVerifyCase(recorded, { library: 'fast-jwt', header, claims, token });
  }
  assert.equal(verify.cache.size, 1);
});

test('fast-jwt verifier whose key fetcher fails: key_not_found', async () => {
  const token = sign(payload());
  const verify = createVerifier({
    key: async () => {
      throw new Error('no key for this kid');
    },
  });
  const recorded = await record(() => verify(token));
  assert.equal(recorded.error.code, 'FAST_JWT_KEY_FETCHING_ERROR');
  assert.equal(recorded.span.attributes['jwt.validation.reason'], 'key_not_found');
});

for (const style of ['sync', 'promise', 'callback']) {
  test(`fast-jwt signer (${style})`, async () => {
    const claims = payload({ jti: 'jti-0003' });
    const key = style === 'sync' ? secret : style === 'promise' ? async () => secret : (_d, done) => done(null, secret);
    const signer = createSigner({ key, algorithm: 'HS256', kid: header.kid });
    const recorded = await record(() =>
      style === 'callback'
        ? new Promise((resolve, reject) => signer(claims, (err, t) => (err ? reject(err) : resolve(t))))
        : signer(claims),
    );
    leaks.registerToken(recorded.value);
    const attributes = expectedAttributes({
      operation: 'sign',
      library: 'fast-jwt',
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
}

test('fast-jwt signer refusing a payload', async () => {
  const recorded = await record(() => createSigner({ key: secret })('not an object'));
  assert.equal(recorded.error.code, 'FAST_JWT_INVALID_TYPE');
  const attributes = expectedAttributes({ operation: 'sign', library: 'fast-jwt', errorType: 'FAST_JWT_INVALID_TYPE' });
  assertOperation(recorded, {
    name: 'jwt.sign',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('fast-jwt RS256: sign and verify with a key pair', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  leaks.register(privateKey, 'RSA private key');
  const claims = payload();
  const signed = await record(() => createSigner({ key: privateKey, algorithm: 'RS256', kid: 'rsa-2026-11' })(claims));
  leaks.registerToken(signed.value);
  const verified = await record(() =>
    createVerifier({ key: publicKey, algorithms: ['RS256'], allowedIss: ISSUER })(signed.value),
  );
  assertVerifyCase(verified, {
    library: 'fast-jwt',
    header: { alg: 'RS256', typ: 'JWT', kid: 'rsa-2026-11' },
    claims,
    token: signed.value,
    issuerChecked: true,
  });
});

test('fast-jwt decoder', async () => {
  const claims = payload();
  const token = sign(claims);
  const recorded = await record(() => createDecoder()(token));
  assert.deepEqual(recorded.value, claims);
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'fast-jwt',
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
  const complete = await record(() => createDecoder({ complete: true })(token));
  assert.deepEqual(complete.value.header, header);
  assert.deepEqual(withoutInsight(complete.span.attributes), attributes);
});

test('fast-jwt decoder of a malformed token', async () => {
  const recorded = await record(() => createDecoder()('a.b'));
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'fast-jwt',
    outcome: 'invalid',
    reason: 'malformed',
    errorType: 'FAST_JWT_MALFORMED',
    token: 'a.b',
  });
  assertOperation(recorded, {
    name: 'jwt.decode',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('fastJwt: { enabled: false } switches fast-jwt off alone', async () => {
  const verify = createVerifier({ key: secret });
  const token = sign(payload());
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, fastJwt: { enabled: false } });
  try {
    telemetry.reset();
    verify(token);
    createVerifier({ key: secret })(token);
    assert.deepEqual(telemetry.spans(), [], 'no fast-jwt span');
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
  telemetry.reset();
  verify(token);
  assert.equal(telemetry.spans().length, 1, 'recorded again once re-enabled');
});

test('nothing secret was exported by any fast-jwt operation above', () => {
  const scanned = leaks.assertClean(exported);
  assert.ok(exported.spans.length >= verifyCases.length * 3 + 6);
  assert.ok(scanned > 100);
});
