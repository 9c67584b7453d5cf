/**
 * Policy findings with the real jose and jsonwebtoken and the real SDK: each finding raised in one case and
 * not in its negative twin, for both libraries; key findings and the key fingerprint; the jwt.findings counter.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { FINDINGS, FINDING_SEVERITY, JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { tokenFindings } from '@tokentrail/instrumentation-jwt/inspection';
import { configFromEnv } from '@tokentrail/register/env-config';
import { setupTelemetry } from './support/telemetry.mjs';
import { AUDIENCE, ISSUER, PERSONAL, PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { counterValue, hs256, run, unsecured } from './support/insight.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const { leaks } = telemetry;

function secretOf(bytes, label) {
  const text = randomBytes(bytes / 2).toString('hex');
  leaks.register(text, label);
  return Buffer.from(text);
}
const secret = secretOf(32, 'HMAC secret');
const shortSecret = secretOf(16, 'short HMAC secret');
const otherSecret = secretOf(32, 'rotated HMAC secret');
function rsaPair(modulusLength) {
  const pair = generateKeyPairSync('rsa', { modulusLength });
  leaks.register(pair.privateKey.export({ format: 'jwk' }).d, `RSA-${modulusLength} private exponent`);
  leaks.register(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).split('\n')[1], `RSA-${modulusLength} PEM`);
  return pair;
}
const rsa = rsaPair(2048);
const smallRsa = rsaPair(1024);
leaks.register(PERSONAL.sub, 'raw sub');

const HEADER = { alg: 'HS256', typ: 'JWT' };
const PINNED = { algorithms: ['HS256'], audience: AUDIENCE, issuer: ISSUER };
/** Claims of a sound access token; an override of `undefined` removes the claim. */
const claims = (overrides = {}) =>
  Object.fromEntries(
    Object.entries({
      sub: PERSONAL.sub,
      iss: ISSUER,
      aud: AUDIENCE,
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      jti: randomUUID(),
      ...overrides,
    }).filter(([, v]) => v !== undefined),
  );
const token = (t) => {
  leaks.registerToken(t);
  return t;
};
const hs = (c = claims(), header = HEADER, key = secret) => token(hs256(header, c, key));
function rs256(c, privateKey) {
  const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}`;
  return token(`${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`);
}

const libraries = {
  jose: {
    verify: (t, key, options) => jose.jwtVerify(t, key, options),
    sign: (c, header, key) => new jose.SignJWT(c).setProtectedHeader(header).sign(key),
  },
  jsonwebtoken: {
    verify: async (t, key, options) => jwt.verify(t, key, options),
    sign: async (c, header, key) => jwt.sign(c, key, { header, algorithm: header.alg }),
  },
};

/** Each finding: a call that raises it and its twin that raises none at all. */
const cases = [
  ['alg_none', (l) => l.verify(token(unsecured(claims())), secret, PINNED)],
  ['alg_not_pinned', (l) => l.verify(hs(), secret, { audience: AUDIENCE, issuer: ISSUER })],
  ['aud_not_checked', (l) => l.verify(hs(), secret, { algorithms: ['HS256'], issuer: ISSUER })],
  ['iss_not_checked', (l) => l.verify(hs(), secret, { algorithms: ['HS256'], audience: AUDIENCE })],
  ['missing_exp', (l) => l.verify(hs(claims({ exp: undefined })), secret, PINNED)],
  ['lifetime_too_long', (l) => l.verify(hs(claims({ exp: nowSeconds() + 25 * 3600 })), secret, PINNED)],
  ['missing_jti', (l) => l.verify(hs(claims({ jti: undefined })), secret, PINNED)],
  [
    'header_jwk',
    (l) => l.verify(hs(claims(), { ...HEADER, jwk: rsa.publicKey.export({ format: 'jwk' }) }), secret, PINNED),
  ],
  [
    'header_jku',
    (l) => l.verify(hs(claims(), { ...HEADER, jku: 'https://keys.example.test/jwks.json' }), secret, PINNED),
  ],
  [
    'header_x5u',
    (l) => l.verify(hs(claims(), { ...HEADER, x5u: 'https://keys.example.test/cert.pem' }), secret, PINNED),
  ],
  ['header_crit', (l) => l.verify(hs(claims(), { ...HEADER, crit: ['exp'] }), secret, PINNED)],
  ['hmac_key_weak', (l) => l.verify(hs(claims(), HEADER, shortSecret), shortSecret, PINNED)],
  [
    'rsa_key_small',
    (l) => l.verify(rs256(claims(), smallRsa.privateKey), smallRsa.publicKey, { ...PINNED, algorithms: ['RS256'] }),
  ],
  [
    'clock_skew_large',
    (l) => l.verify(hs(claims({ iat: nowSeconds() + 600, exp: nowSeconds() + 1200 })), secret, PINNED),
  ],
];

for (const [library, l] of Object.entries(libraries)) {
  test(`${library}: a verify with every check pinned, of a well-formed token and a strong key, raises no finding`, async () => {
    const { findings, error } = await run(telemetry, () => l.verify(hs(), secret, PINNED));
    assert.equal(error, undefined);
    assert.deepEqual(findings, []);
    const rsaCase = await run(telemetry, () =>
      l.verify(rs256(claims(), rsa.privateKey), rsa.publicKey, { ...PINNED, algorithms: ['RS256'] }),
    );
    assert.deepEqual(rsaCase.findings, [], 'a 2048-bit RSA key raises nothing');
  });

  for (const [finding, call] of cases) {
    test(`${library}: ${finding} raised, and only where it applies`, async () => {
      const { findings } = await run(telemetry, () => call(l));
      assert.deepEqual(findings, [finding]);
    });
  }

  test(`${library}: sign raises missing_exp, lifetime_too_long, missing_jti and hmac_key_weak from the issued token and key`, async () => {
    const strong = await run(telemetry, () => l.sign(claims(), HEADER, secret));
    leaks.registerToken(strong.value);
    assert.deepEqual(strong.findings, []);
    const weak = await run(telemetry, () =>
      l.sign(claims({ exp: nowSeconds() + 30 * 24 * 3600, jti: undefined }), HEADER, shortSecret),
    );
    leaks.registerToken(weak.value);
    assert.deepEqual(weak.findings, ['lifetime_too_long', 'missing_jti', 'hmac_key_weak']);
    const noExp = await run(telemetry, () => l.sign(claims({ exp: undefined }), { alg: 'HS512', typ: 'JWT' }, secret));
    leaks.registerToken(noExp.value);
    assert.deepEqual(noExp.findings, ['missing_exp', 'hmac_key_weak'], 'a 256-bit secret is weak for HS512');
  });

  test(`${library}: alg_unexpected when the policy expects asymmetric keys`, async () => {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, findings: { expectedAlgorithms: ['RS256', 'ES256'] } });
    try {
      const hmac = await run(telemetry, () => l.verify(hs(), secret, PINNED));
      assert.deepEqual(hmac.findings, ['alg_unexpected']);
      const rs = await run(telemetry, () =>
        l.verify(rs256(claims(), rsa.privateKey), rsa.publicKey, { ...PINNED, algorithms: ['RS256'] }),
      );
      assert.deepEqual(rs.findings, []);
    } finally {
      instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
    }
  });

  test(`${library}: jwt.key.fingerprint follows the key: stable per key, new when the signing key rotates, shared by a key pair`, async () => {
    const a1 = await run(telemetry, () => l.sign(claims(), HEADER, secret));
    const a2 = await run(telemetry, () => l.sign(claims(), HEADER, secret));
    const b = await run(telemetry, () => l.sign(claims(), HEADER, otherSecret));
    for (const r of [a1, a2, b]) leaks.registerToken(r.value);
    const fp = (r) => r.span.attributes['jwt.key.fingerprint'];
    assert.match(fp(a1), /^[0-9a-f]{32}$/);
    assert.equal(fp(a1), fp(a2));
    assert.notEqual(fp(a1), fp(b), 'rotation is visible');
    const verified = await run(telemetry, () => l.verify(a1.value, secret, PINNED));
    assert.equal(fp(verified), fp(a1), 'verify names the same key as sign');
    assert.equal(verified.logRecord.attributes['jwt.key.fingerprint'], fp(a1));
    const signedRsa = await run(telemetry, () => l.sign(claims(), { alg: 'RS256' }, rsa.privateKey));
    leaks.registerToken(signedRsa.value);
    const verifiedRsa = await run(telemetry, () =>
      l.verify(signedRsa.value, rsa.publicKey, { ...PINNED, algorithms: ['RS256'] }),
    );
    assert.equal(fp(verifiedRsa), fp(signedRsa), 'the private key and its public key have one fingerprint');
    assert.notEqual(fp(verifiedRsa), fp(a1));
  });
}

test('the jwt.findings counter counts each finding by name and severity', async () => {
  const match = { 'jwt.finding.name': 'alg_none', 'jwt.finding.severity': 'critical', 'jwt.operation': 'verify' };
  const before = await counterValue(telemetry, 'jwt.findings', match);
  await run(telemetry, () => libraries.jose.verify(token(unsecured(claims())), secret, PINNED));
  assert.equal(await counterValue(telemetry, 'jwt.findings', match), before + 1);
});

test('TOKENTRAIL_EMIT_METRICS=false (emitMetrics: false) stops every tokentrail metric, the jwt.findings counter with the histogram; findings stay on spans', async () => {
  const match = { 'jwt.finding.name': 'alg_none', 'jwt.finding.severity': 'critical', 'jwt.operation': 'verify' };
  const durations = async () =>
    (await telemetry.metricPoints('jwt.operation.duration')).reduce((sum, p) => sum + p.value.count, 0);
  const before = { findings: await counterValue(telemetry, 'jwt.findings', match), durations: await durations() };
  instrumentation.setConfig({ ...configFromEnv({ TOKENTRAIL_EMIT_METRICS: 'false' }), pseudonymKey: PSEUDONYM_KEY });
  try {
    const { findings } = await run(telemetry, () => libraries.jose.verify(token(unsecured(claims())), secret, PINNED));
    assert.ok(findings.includes('alg_none'), 'the finding is still on the span');
    assert.deepEqual(
      { findings: await counterValue(telemetry, 'jwt.findings', match), durations: await durations() },
      before,
    );
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
  await run(telemetry, () => libraries.jose.verify(token(unsecured(claims())), secret, PINNED));
  assert.equal(
    await counterValue(telemetry, 'jwt.findings', match),
    before.findings + 1,
    'counted again once metrics are on',
  );
});

test('a finding is computed from the token alone: the pure function agrees with the recorded span', async () => {
  const c = claims({ jti: undefined, exp: nowSeconds() + 48 * 3600 });
  const t = hs(c, { ...HEADER, jku: 'https://keys.example.test/jwks.json' });
  const { findings } = await run(telemetry, () => libraries.jsonwebtoken.verify(t, secret, { audience: AUDIENCE }));
  const pure = tokenFindings({
    header: { ...HEADER, jku: 'x' },
    claims: c,
    checks: { algorithms: false, audience: true, issuer: false },
    operation: 'verify',
  });
  assert.deepEqual(findings, pure);
  for (const finding of FINDINGS)
    assert.ok(['low', 'medium', 'high', 'critical'].includes(FINDING_SEVERITY[finding]), finding);
});

test('the pure token findings: time-dependent ones, casing, and which operations judge verify options', () => {
  const now = nowSeconds();
  const policy = { maxLifetimeSeconds: 86400, clockToleranceSeconds: 60, now };
  const at = (c, operation = 'decode', header = { alg: 'HS256' }, checks) =>
    tokenFindings({ header, claims: { jti: 'j', ...c }, checks, operation }, policy);
  assert.deepEqual(at({ exp: now + 25 * 3600 }), ['lifetime_too_long'], 'without iat, judged from now');
  assert.deepEqual(at({ exp: now + 3600 }), []);
  assert.deepEqual(at({ iat: now + 30, exp: now + 600 }), [], 'inside the clock tolerance');
  assert.deepEqual(at({ iat: now + 90, exp: now + 600 }), ['clock_skew_large']);
  assert.deepEqual(at({ exp: 'tomorrow' }), ['missing_exp'], 'a non-numeric exp is no exp');
  assert.deepEqual(
    at({ exp: now + 60 }, 'verify', { alg: 'NoNe' }, { algorithms: true, audience: true, issuer: true }),
    ['alg_none'],
  );
  const unpinned = { algorithms: false, audience: false, issuer: false };
  assert.deepEqual(
    at({ exp: now + 60 }, 'decrypt', undefined, unpinned),
    ['aud_not_checked', 'iss_not_checked'],
    'decrypt has no algorithms option to pin',
  );
  assert.deepEqual(at({ exp: now + 60 }, 'decode', undefined, unpinned), [], 'a decode checks nothing, by definition');
  assert.deepEqual(
    tokenFindings({ header: { alg: 'ES256' }, operation: 'encrypt' }, { ...policy, expectedAlgorithms: ['ES256'] }),
    [],
    'no claims: no claim findings',
  );
});
