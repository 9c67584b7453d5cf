/**
 * Claim values of any type and shape: pseudonyms over a typed, canonical form (a number and the string of its
 * digits, or two strings that differ only in a lone surrogate, never share one; an ordinary string keeps the
 * plain HMAC of its UTF-8), and a claim nested thousands of levels deep is walked with bounded work: the part
 * deeper than 32 levels is written as the marker "[too deep]".
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { hs256, run } from './support/insight.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = 'claim-values-secret-0123456789abcdef';
telemetry.leaks.register(secret, 'HMAC secret');

/** The attributes one verify of a token with these claims exports (claims JSON written by hand when given as text). */
async function verified(payload, config = {}) {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, ...config });
  const token = typeof payload === 'string' ? hs256Text(payload) : hs256({ alg: 'HS256', typ: 'JWT' }, payload, secret);
  telemetry.leaks.registerToken(token);
  const result = await run(telemetry, () => jwt.verify(token, secret), { operation: 'verify' });
  assert.equal(result.error, undefined, 'the library accepts the token');
  return result.span.attributes;
}

function hs256Text(payloadJson) {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The documented typed form of a non-string value: 0xFF, then its canonical JSON. */
const typedPseudonym = (canonicalJson) =>
  createHmac('sha256', PSEUDONYM_KEY)
    .update(Buffer.concat([Buffer.from([0xff]), Buffer.from(canonicalJson, 'utf8')]))
    .digest('hex')
    .slice(0, 32);

test('sub: 123456 and sub: "123456" have different pseudonyms; a string keeps the HMAC of its UTF-8', async () => {
  const number = (await verified({ sub: 123456 }))['enduser.pseudo.id'];
  const string = (await verified({ sub: '123456' }))['enduser.pseudo.id'];
  assert.notEqual(number, string);
  assert.equal(string, pseudonym('123456'), 'an ordinary string sub keeps its pseudonym');
  assert.equal(number, typedPseudonym('123456'));
  const boolean = (await verified({ sub: true }))['enduser.pseudo.id'];
  assert.notEqual(boolean, pseudonym('true'));
  assert.notEqual(boolean, (await verified({ sub: 'true' }))['enduser.pseudo.id']);
});

test('strings that differ only in a lone surrogate have different pseudonyms', async () => {
  // As JSON escapes: the library parses them into lone surrogates, which a lossy UTF-8 encoding would turn into U+FFFD.
  const high = (await verified('{"sub":"user-\\ud800"}'))['enduser.pseudo.id'];
  const low = (await verified('{"sub":"user-\\udc00"}'))['enduser.pseudo.id'];
  const replacement = (await verified({ sub: 'user-\ufffd' }))['enduser.pseudo.id'];
  assert.equal(new Set([high, low, replacement]).size, 3);
  assert.equal(replacement, pseudonym('user-\ufffd'));
  // WTF-8: a lone surrogate as the three bytes of its code point.
  assert.equal(
    high,
    createHmac('sha256', PSEUDONYM_KEY)
      .update(Buffer.from([0x75, 0x73, 0x65, 0x72, 0x2d, 0xed, 0xa0, 0x80]))
      .digest('hex')
      .slice(0, 32),
  );
  // A well-formed pair is ordinary UTF-8.
  assert.equal((await verified({ sub: 'user-\u{1F600}' }))['enduser.pseudo.id'], pseudonym('user-\u{1F600}'));
});

test('a structured claim is pseudonymized over its canonical JSON: member order does not matter, type does', async () => {
  const config = { claims: { org: 'pseudonymize' } };
  const ab = (await verified('{"sub":"s","org":{"a":1,"b":[2,"3"]}}', config))['jwt.pseudo.org'];
  const ba = (await verified('{"sub":"s","org":{"b":[2,"3"],"a":1}}', config))['jwt.pseudo.org'];
  const typed = (await verified('{"sub":"s","org":{"a":1,"b":["2","3"]}}', config))['jwt.pseudo.org'];
  assert.equal(ab, ba);
  assert.equal(ab, typedPseudonym('{"a":1,"b":[2,"3"]}'));
  assert.notEqual(ab, typed);
});

const LEVELS = 5400;
const nested = (inner) => `${'['.repeat(LEVELS)}${inner}${']'.repeat(LEVELS)}`;

test(`a sub nested ${LEVELS} levels deep gets the "[too deep]" marker, not a pseudonym or nothing`, async () => {
  const attributes = await verified(`{"sub":${nested('"deep-user"')}}`);
  assert.equal(attributes['enduser.pseudo.id'], '[too deep]');
  assert.equal(attributes['jwt.validation.outcome'], 'valid');
});

test(`a kept claim nested ${LEVELS} levels deep is written to 32 levels, then the marker`, async () => {
  const attributes = await verified(`{"sub":"s","plan":${nested('"gold"')}}`, { claims: { plan: 'keep' } });
  // An array claim is written as its top-level elements: the one element is itself an array, written as JSON.
  const plan = await verified(`{"sub":"s","plan":{"tier":${nested('"gold"')}}}`, { claims: { plan: 'keep' } });
  assert.deepEqual(attributes['jwt.claims.plan'], []);
  assert.equal(plan['jwt.claims.plan'], `{"tier":${'['.repeat(31)}"[too deep]"${']'.repeat(31)}}`);
});
