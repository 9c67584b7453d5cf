import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { AUDIENCE, ISSUER, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { assertOperation, assertVerifyCase, dimensionsOf } from './support/record.mjs';
import { expectedAttributes } from './support/expected.mjs';
import { librarySuite, suitePayload } from './support/library-suite.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');

const { leaks, record, exported, secret, otherSecret } = librarySuite(telemetry);

const header = { alg: 'HS256', typ: 'JWT', kid: 'hs-2026-11' };

const payload = (overrides) => suitePayload(overrides);

function sign(claims, key = secret) {
  const token = jwt.sign(claims, key, { algorithm: 'HS256', keyid: header.kid });
  leaks.registerToken(token);
  return token;
}

/** jsonwebtoken's callback form, as a promise of the callback's arguments. */
function viaCallback(call) {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

const verifyCases = [
  { name: 'valid', claims: payload(), options: { issuer: ISSUER, audience: AUDIENCE } },
  {
    name: 'expired',
    claims: payload({ exp: nowSeconds() - 60 }),
    reason: 'expired',
    claim: 'exp',
    errorType: 'TokenExpiredError',
  },
  {
    name: 'bad signature',
    claims: payload(),
    key: otherSecret,
    reason: 'signature_invalid',
    errorType: 'JsonWebTokenError',
  },
  {
    name: 'wrong aud',
    claims: payload(),
    options: { audience: 'billing-api' },
    reason: 'claim_invalid',
    claim: 'aud',
    errorType: 'JsonWebTokenError',
  },
  {
    name: 'wrong iss',
    claims: payload(),
    options: { issuer: 'https://other-idp.example.test' },
    reason: 'claim_invalid',
    claim: 'iss',
    errorType: 'JsonWebTokenError',
  },
  {
    name: 'nbf in the future',
    claims: payload({ nbf: nowSeconds() + 3600 }),
    reason: 'not_yet_valid',
    claim: 'nbf',
    errorType: 'NotBeforeError',
  },
  {
    name: 'alg not allowed',
    claims: payload(),
    options: { algorithms: ['RS256'] },
    reason: 'alg_not_allowed',
    errorType: 'JsonWebTokenError',
  },
  { name: 'malformed', token: 'not-a-compact-jws', reason: 'malformed', errorType: 'JsonWebTokenError' },
];

const styles = {
  sync: (token, options) => jwt.verify(token, secret, options),
  callback: (token, options) =>
    viaCallback((cb) => (options ? jwt.verify(token, secret, options, cb) : jwt.verify(token, secret, cb))),
};

for (const [style, verify] of Object.entries(styles)) {
  for (const c of verifyCases) {
    test(`jsonwebtoken verify (${style}): ${c.name}`, async () => {
      const token = c.token ?? sign(c.claims, c.key);
      const recorded = await record(() => verify(token, c.options));
      assert.equal(recorded.error?.name, c.errorType, 'the library still decides');
      const { claims, reason, claim, errorType } = c;
      const issuerChecked = c.options?.issuer !== undefined;
      assertVerifyCase(recorded, {
        library: 'jsonwebtoken',
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

for (const style of ['sync', 'callback']) {
  test(`jsonwebtoken sign (${style})`, async () => {
    const claims = payload({ jti: 'jti-0002' });
    const options = { algorithm: 'HS256', keyid: header.kid };
    const recorded = await record(() =>
      style === 'sync' ? jwt.sign(claims, secret, options) : viaCallback((cb) => jwt.sign(claims, secret, options, cb)),
    );
    leaks.registerToken(recorded.value);
    const attributes = expectedAttributes({
      operation: 'sign',
      library: 'jsonwebtoken',
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

test('jsonwebtoken sign with an RSA key that is too small', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const recorded = await record(() => jwt.sign(payload(), privateKey, { algorithm: 'RS256' }));
  assert.match(recorded.error.message, /minimum key size/);
  const attributes = expectedAttributes({ operation: 'sign', library: 'jsonwebtoken', errorType: 'Error' });
  assertOperation(recorded, {
    name: 'jwt.sign',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('jsonwebtoken RS256: sign and verify with a key pair', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = payload();
  const token = jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: 'rsa-2026-11' });
  leaks.registerToken(token);
  const recorded = await record(() => jwt.verify(token, publicKey, { algorithms: ['RS256'] }));
  assertVerifyCase(recorded, {
    library: 'jsonwebtoken',
    header: { alg: 'RS256', typ: 'JWT', kid: 'rsa-2026-11' },
    claims,
    token,
  });
});

test('jsonwebtoken verify with a key callback that fails', async () => {
  const token = sign(payload());
  const recorded = await record(() =>
    viaCallback((cb) => jwt.verify(token, (_header, done) => setImmediate(() => done(new Error('no key'))), cb)),
  );
  assert.equal(recorded.span.attributes['jwt.validation.reason'], 'key_not_found');
});

test('jsonwebtoken decode', async () => {
  const claims = payload();
  const token = sign(claims);
  const recorded = await record(() => jwt.decode(token));
  assert.deepEqual(recorded.value, claims);
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'jsonwebtoken',
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

test('jsonwebtoken decode of an unreadable token returns null and is recorded as malformed', async () => {
  const recorded = await record(() => jwt.decode('garbage-token'));
  assert.equal(recorded.value, null);
  const attributes = expectedAttributes({
    operation: 'decode',
    library: 'jsonwebtoken',
    outcome: 'invalid',
    reason: 'malformed',
    errorType: '_OTHER',
    token: 'garbage-token',
  });
  assertOperation(recorded, {
    name: 'jwt.decode',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: false }),
    failed: true,
  });
});

test('audit log records carry consecutive jwt.audit.seq numbers', async () => {
  telemetry.reset();
  const token = sign(payload());
  jwt.verify(token, secret);
  jwt.decode(token);
  try {
    jwt.verify(token, otherSecret);
  } catch {}
  const seqs = telemetry.logRecords().map((r) => r.attributes['jwt.audit.seq']);
  assert.equal(seqs.length, 4);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `record ${i} follows record ${i - 1}`);
});

test('nothing secret was exported by any jsonwebtoken operation above', () => {
  const scanned = leaks.assertClean(exported);
  assert.ok(exported.spans.length >= verifyCases.length * 2 + 4);
  assert.ok(scanned > 100);
});
