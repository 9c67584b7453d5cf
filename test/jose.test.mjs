import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { LeakScanner } from './support/leak-scanner.mjs';
import { AUDIENCE, ISSUER, PERSONAL, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { assertOperation, assertVerifyCase, createRecorder, dimensionsOf } from './support/record.mjs';
import { expectedAttributes } from './support/expected.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jose = await import('jose');

const leaks = new LeakScanner();
const { record, exported } = createRecorder(telemetry);
const secretText = randomBytes(24).toString('hex');
const secret = new TextEncoder().encode(secretText);
const otherSecret = new TextEncoder().encode(randomBytes(24).toString('hex'));
leaks.register(secretText, 'HMAC secret');
leaks.register(PERSONAL.sub, 'raw sub');
leaks.register(PERSONAL.email, 'email claim');
leaks.register(PERSONAL.name, 'name claim');
for (const [label, value] of [
  ['HMAC secret', secretText],
  ['raw sub', PERSONAL.sub],
  ['email claim', PERSONAL.email],
])
  telemetry.leaks.register(value, label);

function payload(overrides = {}) {
  return {
    ...PERSONAL,
    roles: ['reader', 'auditor'],
    iss: ISSUER,
    aud: AUDIENCE,
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...overrides,
  };
}

async function sign(claims, key = secret, header = { alg: 'HS256', typ: 'JWT', kid: 'hs-2026-11' }) {
  const token = await new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
  leaks.registerToken(token);
  return token;
}

const header = { alg: 'HS256', typ: 'JWT', kid: 'hs-2026-11' };
const verifyCases = [
  { name: 'valid', claims: payload(), options: { issuer: ISSUER, audience: AUDIENCE } },
  {
    name: 'expired',
    claims: payload({ exp: nowSeconds() - 60 }),
    reason: 'expired',
    claim: 'exp',
    errorType: 'ERR_JWT_EXPIRED',
  },
  {
    name: 'bad signature',
    claims: payload(),
    key: otherSecret,
    reason: 'signature_invalid',
    errorType: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  },
  {
    name: 'wrong aud',
    claims: payload(),
    options: { audience: 'billing-api' },
    reason: 'claim_invalid',
    claim: 'aud',
    errorType: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
  },
  {
    name: 'wrong iss',
    claims: payload(),
    options: { issuer: 'https://other-idp.example.test' },
    reason: 'claim_invalid',
    claim: 'iss',
    errorType: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
  },
  {
    name: 'nbf in the future',
    claims: payload({ nbf: nowSeconds() + 3600 }),
    reason: 'not_yet_valid',
    claim: 'nbf',
    errorType: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
  },
  {
    name: 'alg not allowed',
    claims: payload(),
    options: { algorithms: ['RS256'] },
    reason: 'alg_not_allowed',
    errorType: 'ERR_JOSE_ALG_NOT_ALLOWED',
  },
  { name: 'malformed', token: 'not-a-compact-jws', reason: 'malformed', errorType: 'ERR_JWS_INVALID' },
];

for (const c of verifyCases) {
  test(`jose jwtVerify: ${c.name}`, async () => {
    const token = c.token ?? (await sign(c.claims, c.key ?? secret, header));
    const recorded = await record(() => jose.jwtVerify(token, secret, c.options));
    assert.equal(recorded.error?.code, c.errorType, 'the library still decides');
    const { claims, reason, claim, errorType } = c;
    const issuerChecked = c.options?.issuer !== undefined;
    assertVerifyCase(recorded, {
      library: 'jose',
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

test('jose SignJWT#sign', async () => {
  const claims = payload({ jti: 'jti-0001' });
  const recorded = await record(() => new jose.SignJWT(claims).setProtectedHeader(header).sign(secret));
  leaks.registerToken(recorded.value);
  const attributes = expectedAttributes({
    operation: 'sign',
    library: 'jose',
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

test('jose SignJWT#sign with an unusable key', async () => {
  const recorded = await record(() => new jose.SignJWT(payload()).setProtectedHeader({ alg: 'RS256' }).sign(secret));
  assert.ok(recorded.error instanceof TypeError);
  const attributes = expectedAttributes({ operation: 'sign', library: 'jose', errorType: 'TypeError' });
  assertOperation(recorded, {
    name: 'jwt.sign',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('jose decodeJwt', async () => {
  const claims = payload();
  const token = await sign(claims, secret, header);
  const recorded = await record(() => jose.decodeJwt(token));
  assert.deepEqual(recorded.value, claims);
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'jose',
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
});

test('jose decodeJwt of a malformed token', async () => {
  const recorded = await record(() => jose.decodeJwt('a.b'));
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'jose',
    outcome: 'invalid',
    reason: 'malformed',
    errorType: 'ERR_JWT_INVALID',
    token: 'a.b',
  });
  assertOperation(recorded, {
    name: 'jwt.decode',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('jose RS256 with a key pair: sign then verify', async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256');
  const rsHeader = { alg: 'RS256', kid: 'rsa-2026-11' };
  const claims = payload();
  const signed = await record(() => new jose.SignJWT(claims).setProtectedHeader(rsHeader).sign(privateKey));
  leaks.registerToken(signed.value);
  const verified = await record(() => jose.jwtVerify(signed.value, publicKey, { issuer: ISSUER }));
  assertVerifyCase(verified, { library: 'jose', header: rsHeader, claims, token: signed.value, issuerChecked: true });
});

test('jose JWS serializations: compact, flattened and general verify are recorded once each', async () => {
  const bytes = new TextEncoder().encode(JSON.stringify(payload()));
  const compact = await new jose.CompactSign(bytes).setProtectedHeader({ alg: 'HS256' }).sign(secret);
  leaks.registerToken(compact);
  const compactRecord = await record(() => jose.compactVerify(compact, secret));
  assert.equal(compactRecord.span.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(compactRecord.span.attributes['enduser.pseudo.id'] !== undefined, true);

  const flattened = await new jose.FlattenedSign(bytes).setProtectedHeader({ alg: 'HS256' }).sign(secret);
  const flatRecord = await record(() => jose.flattenedVerify(flattened, otherSecret));
  assert.equal(flatRecord.span.attributes['jwt.validation.reason'], 'signature_invalid');
  assert.equal(flatRecord.span.attributes['jwt.header.alg'], 'HS256');

  const general = await new jose.GeneralSign(bytes)
    .addSignature(secret)
    .setProtectedHeader({ alg: 'HS256' })
    .done()
    .sign();
  for (const sig of general.signatures) leaks.register(sig.signature, 'general JWS signature');
  leaks.register(general.payload, 'general JWS payload');
  const generalRecord = await record(() => jose.generalVerify(general, secret));
  assert.equal(generalRecord.span.attributes['jwt.validation.outcome'], 'valid');
});

test('jose JWE: EncryptJWT#encrypt and jwtDecrypt', async () => {
  const key = new Uint8Array(randomBytes(32));
  const claims = payload();
  const encrypted = await record(() =>
    new jose.EncryptJWT(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(key),
  );
  leaks.registerToken(encrypted.value, 'JWE');
  assert.equal(encrypted.span.name, 'jwt.encrypt');
  assert.equal(encrypted.span.attributes['jwt.header.alg'], 'dir');
  const decrypted = await record(() => jose.jwtDecrypt(encrypted.value, key, { issuer: ISSUER }));
  const attributes = expectedAttributes({
    operation: 'decrypt',
    library: 'jose',
    outcome: 'valid',
    header: { alg: 'dir' },
    payload: claims,
    token: encrypted.value,
  });
  assertOperation(decrypted, {
    name: 'jwt.decrypt',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: true }),
    failed: false,
  });
  const wrongKey = await record(() => jose.jwtDecrypt(encrypted.value, new Uint8Array(randomBytes(32))));
  assert.equal(wrongKey.span.attributes['jwt.validation.reason'], 'signature_invalid');
  assert.equal(wrongKey.span.attributes['error.type'], 'ERR_JWE_DECRYPTION_FAILED');
});

test('nothing secret was exported by any jose operation above', () => {
  const scanned = leaks.assertClean(exported);
  assert.ok(exported.spans.length >= verifyCases.length + 4);
  assert.ok(scanned > 100);
});
