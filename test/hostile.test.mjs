/**
 * Hostile tokens (RFC 8725, OWASP JWT cheat sheet), through jose, jsonwebtoken and fast-jwt: for each, the library's verdict is unchanged by the
 * instrumentation, the recorded reason is the right one, nothing crashes, no prototype is polluted, and
 * attacker-sized input is parsed only up to the documented cap.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { observe, settle } from './support/observe.mjs';
import { LeakScanner } from './support/leak-scanner.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const fastJwt = createRequire(import.meta.url)('fast-jwt');

const SECRET = 'hostile-secret-0123456789abcdef-xyz';
const KEY = new TextEncoder().encode(SECRET);
const NOW = Math.floor(Date.now() / 1000);
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'orders-api';
const { publicKey: rsaPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublicPem = rsaPublic.export({ type: 'spki', format: 'pem' });
const { privateKey: attackerKey, publicKey: attackerPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hs256 = (input, secret = SECRET) => createHmac('sha256', secret).update(input).digest('base64url');
function token(header, payload, { secret = SECRET, signature } = {}) {
  const input = `${typeof header === 'string' ? header : b64(header)}.${typeof payload === 'string' ? payload : b64(payload)}`;
  return `${input}.${signature ?? hs256(input, secret)}`;
}
const claims = (extra = {}) => ({ sub: 'hostile-user', iss: ISSUER, aud: AUDIENCE, exp: NOW + 600, ...extra });
const valid = token({ alg: 'HS256', typ: 'JWT' }, claims());
const [validHeader, , validSignature] = valid.split('.');

const rs256Header = { alg: 'RS256', typ: 'JWT' };
function signedWithAttacker(extraHeader) {
  const input = `${b64({ ...rs256Header, ...extraHeader })}.${b64(claims({ sub: 'admin' }))}`;
  const signature = createRequire(import.meta.url)('node:crypto')
    .sign('sha256', Buffer.from(input), attackerKey)
    .toString('base64url');
  return `${input}.${signature}`;
}

/**
 * Each case: the token, how each library is asked to verify it, and the reason tokentrail must record
 * (`undefined`: the library accepts it).
 */
const cases = [
  ...['none', 'None', 'NONE', 'nOnE'].map((alg) => ({
    name: `alg "${alg}" with no signature`,
    token: token({ alg, typ: 'JWT' }, claims(), { signature: '' }),
    jose: 'alg_not_allowed',
    jsonwebtoken: 'signature_invalid',
  })),
  {
    name: 'stripped signature',
    token: `${valid.split('.').slice(0, 2).join('.')}.`,
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
  },
  {
    name: 'RS256/HS256 key confusion: HS256 signed with the RSA public key as secret',
    token: token({ alg: 'HS256', typ: 'JWT' }, claims(), { secret: rsaPublicPem }),
    key: 'rsa-public',
    jose: 'key_invalid',
    jsonwebtoken: 'alg_not_allowed',
  },
  {
    name: 'embedded jwk header (attacker key)',
    token: signedWithAttacker({ jwk: attackerPublic.export({ format: 'jwk' }) }),
    key: 'rsa-public',
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
  },
  {
    name: 'jku pointing elsewhere',
    token: signedWithAttacker({ jku: 'https://attacker.example/jwks.json' }),
    key: 'rsa-public',
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
  },
  {
    name: 'x5u pointing elsewhere',
    token: signedWithAttacker({ x5u: 'https://attacker.example/cert.pem' }),
    key: 'rsa-public',
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
  },
  {
    name: 'kid path traversal',
    token: token({ alg: 'HS256', kid: '../../../../dev/null' }, claims()),
    jose: undefined,
    jsonwebtoken: undefined,
  },
  {
    name: 'kid SQL injection',
    token: token({ alg: 'HS256', kid: "x' UNION SELECT 'key' --" }, claims()),
    jose: undefined,
    jsonwebtoken: undefined,
  },
  {
    name: 'tampered payload, original signature',
    token: `${validHeader}.${b64(claims({ sub: 'admin' }))}.${validSignature}`,
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
  },
  {
    name: 'expired',
    token: token({ alg: 'HS256' }, claims({ exp: NOW - 3600 })),
    jose: 'expired',
    jsonwebtoken: 'expired',
  },
  {
    name: 'not yet valid',
    token: token({ alg: 'HS256' }, claims({ nbf: NOW + 3600 })),
    jose: 'not_yet_valid',
    jsonwebtoken: 'not_yet_valid',
  },
  // Neither library refuses a future iat by default (jose only with maxTokenAge); tokentrail records what they decided.
  {
    name: 'iat in the future',
    token: token({ alg: 'HS256' }, claims({ iat: NOW + 3600 })),
    jose: undefined,
    jsonwebtoken: undefined,
  },
  {
    name: 'wrong audience',
    token: token({ alg: 'HS256' }, claims({ aud: 'billing-api' })),
    jose: 'claim_invalid',
    jsonwebtoken: 'claim_invalid',
  },
  {
    name: 'wrong issuer',
    token: token({ alg: 'HS256' }, claims({ iss: 'https://attacker.example' })),
    jose: 'claim_invalid',
    jsonwebtoken: 'claim_invalid',
  },
  {
    name: 'duplicate JSON keys',
    token: token(
      { alg: 'HS256' },
      b64(`{"sub":"first","sub":"second","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW + 600}}`),
    ),
    jose: undefined,
    jsonwebtoken: undefined,
    sub: 'second',
  },
  {
    name: '__proto__ and constructor claims',
    token: token(
      { alg: 'HS256' },
      b64(
        `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"sub":"p","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW + 600}}`,
      ),
    ),
    jose: undefined,
    jsonwebtoken: undefined,
  },
  {
    name: 'deeply nested claims (20,000 levels)',
    token: token(
      { alg: 'HS256' },
      b64(
        `{"deep":${'['.repeat(20000)}${']'.repeat(20000)},"sub":"d","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW + 600}}`,
      ),
    ),
    jose: undefined,
    jsonwebtoken: undefined,
  },
  {
    name: '1 MiB token, valid signature',
    token: token({ alg: 'HS256' }, claims({ blob: 'x'.repeat(1 << 20) })),
    jose: undefined,
    jsonwebtoken: undefined,
    huge: true,
  },
  {
    name: '1 MiB token, bad signature',
    token: token({ alg: 'HS256' }, claims({ blob: 'y'.repeat(1 << 20) }), { secret: 'wrong-secret-0123456789' }),
    jose: 'signature_invalid',
    jsonwebtoken: 'signature_invalid',
    huge: true,
  },
  {
    name: 'non-base64url characters',
    token: `${validHeader}!.${b64(claims())}.${validSignature}`,
    jose: 'malformed',
    jsonwebtoken: 'malformed',
  },
  {
    name: 'non-UTF-8 bytes in the header',
    token: `${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${b64(claims())}.${validSignature}`,
    jose: 'malformed',
    jsonwebtoken: 'malformed',
  },
];

/** Nesting depth, iteratively: deep claims are compared by shape, since recursive comparison would overflow. */
function depth(value) {
  let d = 0;
  while (Array.isArray(value)) {
    d += 1;
    value = value[0];
  }
  return d;
}

function comparable(settled) {
  const seen = observe(settled);
  const wrapped = seen.value?.payload !== undefined; // jose: { payload, protectedHeader }; jsonwebtoken: the payload
  const payload = wrapped ? seen.value.payload : seen.value;
  if (!payload || typeof payload !== 'object' || !Array.isArray(payload.deep)) return seen;
  const { deep, ...rest } = payload;
  const shallow = { ...rest, deep: `depth ${depth(deep)}` };
  return { ...seen, value: wrapped ? { ...seen.value, payload: shallow } : shallow };
}

const keys = { 'rsa-public': { jose: rsaPublic, jsonwebtoken: rsaPublicPem, 'fast-jwt': rsaPublicPem } };
const leaks = new LeakScanner();
const exported = { spans: [], logRecords: [] };

for (const c of cases) {
  for (const library of ['jose', 'jsonwebtoken', 'fast-jwt']) {
    test(`${library}: ${c.name}`, async () => {
      const key = keys[c.key]?.[library] ?? (library === 'jose' ? KEY : SECRET);
      const verify =
        library === 'fast-jwt'
          ? (createVerifier) => createVerifier({ key, allowedIss: ISSUER, allowedAud: AUDIENCE })(c.token)
          : (f) => f(c.token, key, { issuer: ISSUER, audience: AUDIENCE });
      const fn = { jose: jose.jwtVerify, jsonwebtoken: jwt.verify, 'fast-jwt': fastJwt.createVerifier }[library];
      telemetry.reset();
      const instrumented = await settle(() => verify(fn));
      const [span] = telemetry.spans().filter((s) => s.name === 'jwt.verify');
      const original = await settle(() => verify(fn.__original));
      assert.deepStrictEqual(comparable(instrumented), comparable(original), 'the verdict is unchanged');
      // fast-jwt refuses and accepts what jsonwebtoken does, for the same reasons (a key given and no signature is a missing signature).
      const expected = library === 'fast-jwt' ? c.jsonwebtoken : c[library];
      assert.equal(
        'value' in instrumented,
        expected === undefined,
        `the library ${expected ? 'refuses' : 'accepts'} it`,
      );
      assert.equal(span.attributes['jwt.validation.outcome'], expected ? 'invalid' : 'valid');
      assert.equal(span.attributes['jwt.validation.reason'], expected, 'the recorded reason');
      if (c.sub) assert.equal(span.attributes['enduser.pseudo.id'], pseudonym(c.sub), 'the subject the library saw');
      if (c.huge && expected)
        assert.equal(
          span.attributes['jwt.claims.iss'],
          undefined,
          'a payload above the cap is not parsed by tokentrail',
        );
      assert.equal({}.polluted, undefined, 'no prototype polluted');
      assert.equal(Object.prototype.polluted, undefined);
      // Every token, attacker-sized ones included, is scanned for in everything this file exports.
      leaks.registerToken(c.token, c.name);
      telemetry.leaks.registerToken(c.token, c.name);
      if (!telemetry.leaks.size) telemetry.leaks.register(SECRET, 'HMAC secret');
      exported.spans.push(...telemetry.spans());
      exported.logRecords.push(...telemetry.logRecords());
    });
  }
}

test('nothing exported from the hostile corpus contains a token or segment', () => {
  assert.ok(leaks.assertClean(exported) > 100);
});
