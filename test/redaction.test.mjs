/**
 * The claim policy: default-deny, configured keep / pseudonymize / drop, nested roles, scopes, caps on
 * attacker-sized values, own properties only, and metric dimensions that a forged token cannot grow.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { LeakScanner } from './support/leak-scanner.mjs';
import { PERSONAL, PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { recordOperation } from './support/record.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = 'redaction-secret-redaction-secret-01';
telemetry.leaks.register(secret, 'HMAC secret');
telemetry.leaks.register(PERSONAL.email, 'email claim');
telemetry.leaks.register(PERSONAL.name, 'name claim');

async function decodedAttributes(claims, config, header) {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, ...config });
  const token = jwt.sign(claims, secret, header ? { noTimestamp: true, header } : { noTimestamp: true });
  const { span, metricAttributes } = await recordOperation(telemetry, () => jwt.verify(token, secret));
  return { attributes: { ...span.attributes }, metricAttributes: { ...metricAttributes }, token };
}

const claimKeys = (attributes) =>
  Object.keys(attributes)
    .filter((k) => /^(jwt\.claims|jwt\.pseudo|enduser|user)\./.test(k))
    .sort();

test('default policy: registered claims kept, sub pseudonymized, everything else dropped', async () => {
  const { attributes } = await decodedAttributes({
    ...PERSONAL,
    iss: 'i',
    aud: ['a', 'b'],
    jti: 'j',
    azp: 'client',
    scope: 'read write',
    roles: 'admin',
    tenant: 't1',
  });
  assert.deepEqual(claimKeys(attributes), [
    'enduser.pseudo.id',
    'jwt.claims.aud',
    'jwt.claims.azp',
    'jwt.claims.iss',
    'jwt.claims.jti',
    'jwt.claims.scope',
    'user.roles',
  ]);
  assert.equal(attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
  assert.deepEqual(attributes['jwt.claims.scope'], ['read', 'write']);
  assert.deepEqual(attributes['user.roles'], ['admin']);
});

test('configured policy: keep, pseudonymize and drop, including sub and registered claims', async () => {
  const { attributes } = await decodedAttributes(
    { ...PERSONAL, iss: 'i', tenant: 't1', plan: { tier: 'gold' }, scp: ['orders:read'] },
    { claims: { email: 'pseudonymize', tenant: 'keep', plan: 'keep', iss: 'drop', sub: 'keep' } },
  );
  assert.equal(attributes['jwt.pseudo.email'], pseudonym(PERSONAL.email));
  assert.equal(attributes['jwt.claims.tenant'], 't1');
  assert.equal(attributes['jwt.claims.plan'], '{"tier":"gold"}');
  assert.equal(attributes['enduser.id'], PERSONAL.sub);
  assert.equal(attributes['enduser.pseudo.id'], undefined);
  assert.equal(attributes['jwt.claims.iss'], undefined);
  assert.deepEqual(attributes['jwt.claims.scope'], ['orders:read']);
  assert.equal(Object.values(attributes).includes(PERSONAL.name), false);
});

test('roles from a nested claim path, and no roles when disabled', async () => {
  const claims = { sub: 'x', realm_access: { roles: ['ops', 'billing'] }, roles: ['ignored'] };
  assert.deepEqual(
    (await decodedAttributes(claims, { rolesClaim: ['realm_access', 'roles'] })).attributes['user.roles'],
    ['ops', 'billing'],
  );
  assert.equal((await decodedAttributes(claims, { rolesClaim: null })).attributes['user.roles'], undefined);
});

test('claims are read as own properties: __proto__ and constructor cannot inject values', async () => {
  const json =
    '{"sub":"x","__proto__":{"iss":"proto-iss","tenant":"proto"},"constructor":{"prototype":{"polluted":true}}}';
  const token = jwt.sign(json, secret);
  instrumentation.setConfig({
    pseudonymKey: PSEUDONYM_KEY,
    claims: { tenant: 'keep', constructor: 'drop', toString: 'keep' },
  });
  const { span } = await recordOperation(telemetry, () => jwt.decode(token));
  assert.equal(span.attributes['jwt.claims.iss'], undefined);
  assert.equal(span.attributes['jwt.claims.tenant'], undefined);
  assert.equal(span.attributes['jwt.claims.toString'], undefined);
  assert.equal({}.polluted, undefined);
});

test('attacker-sized values are capped: 256 characters per string, 32 elements per array', async () => {
  const { attributes } = await decodedAttributes(
    { iss: 'i'.repeat(5000), aud: Array.from({ length: 500 }, (_, i) => `aud-${i}`) },
    {},
    { kid: 'k'.repeat(5000) },
  );
  assert.equal(attributes['jwt.claims.iss'].length, 256);
  assert.equal(attributes['jwt.header.kid'].length, 256);
  assert.equal(attributes['jwt.claims.aud'].length, 32);
});

test('metric dimensions: an unregistered alg becomes _OTHER and an unverified issuer is left out', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const forgedHeader = Buffer.from(JSON.stringify({ alg: 'HS256-forged-9f3c', typ: 'JWT' })).toString('base64url');
  const forgedClaims = Buffer.from(JSON.stringify({ iss: 'https://attacker-chosen-9f3c.example' })).toString(
    'base64url',
  );
  const forged = `${forgedHeader}.${forgedClaims}.c2ln`;
  const { span, metricAttributes } = await recordOperation(telemetry, () => jwt.verify(forged, secret));
  assert.equal(span.attributes['jwt.header.alg'], 'HS256-forged-9f3c', 'the span keeps the evidence');
  assert.equal(metricAttributes['jwt.header.alg'], '_OTHER');
  assert.equal(metricAttributes['jwt.claims.iss'], undefined);
  const leaks = new LeakScanner();
  leaks.register('attacker-chosen-9f3c', 'forged issuer');
  leaks.register('HS256-forged-9f3c', 'forged alg');
  leaks.assertClean({ metricPoints: await telemetry.metricPoints('jwt.operation.duration') });
});

test('the leak scanner itself fails when a secret is exported', () => {
  const leaks = new LeakScanner();
  leaks.registerToken('aaaaaaaa.bbbbbbbb.cccccccc');
  assert.throws(
    () => leaks.assertClean({ spans: [{ name: 'x', attributes: { note: 'prefix bbbbbbbb suffix' }, status: {} }] }),
    /token segment 1 found in span x attributes\.note/,
  );
  assert.throws(
    () => leaks.assertClean({ logRecords: [{ eventName: 'e', attributes: { list: ['aaaaaaaa.bbbbbbbb.cccccccc'] } }] }),
    /leak: token/,
  );
});

test('a forged claims set nested deeper than 64 levels is not parsed: the operation is recorded, outcome and reason intact', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
  const payload = Buffer.from(`{"sub":${'['.repeat(5000)}${']'.repeat(5000)},"iss":"deep"}`).toString('base64url');
  const { span, logRecord } = await recordOperation(telemetry, () => jwt.verify(`${header}.${payload}.c2ln`, secret));
  assert.equal(span.attributes['jwt.validation.outcome'], 'invalid');
  assert.equal(span.attributes['jwt.validation.reason'], 'signature_invalid');
  assert.equal(span.attributes['enduser.pseudo.id'], undefined, 'claims too deep to parse are not guessed');
  assert.equal(span.attributes['jwt.claims.iss'], undefined);
  assert.equal(logRecord.attributes['jwt.validation.reason'], 'signature_invalid');
});

test('an unverified claims set is read by jose only when shallow, wherever its nesting starts', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const { jwtVerify } = await import('jose');
  const key = new TextEncoder().encode(secret);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
  const forged = (claims) => `${header}.${Buffer.from(claims).toString('base64url')}.c2ln`;
  const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
  const padding = 'x'.repeat(3000);
  const cases = [
    {
      name: 'nested from its first member',
      claims: `{"sub":${deep},"iss":"deep","note":"${padding}"}`,
      iss: undefined,
    },
    { name: 'nested after 3 KB of text', claims: `{"note":"${padding}","sub":${deep},"iss":"deep"}`, iss: undefined },
    { name: 'long and shallow', claims: `{"note":"${padding}","sub":[[["u"]]],"iss":"shallow"}`, iss: 'shallow' },
    {
      name: 'long with a character outside base64url',
      claims: `{"note":"${padding}","iss":"shallow"}`,
      iss: undefined,
    },
    {
      // More than 64 brackets in the first kilobyte, in strings, after escaped quotes and multi-byte text: shallow.
      name: 'long and shallow with many brackets',
      claims: `{"text":"\\"[{ é 漢 ${'[{'.repeat(40)}","list":[${Array.from({ length: 70 }, (_, i) => `[${i}]`).join(',')}],"note":"${padding}","iss":"shallow"}`,
      iss: 'shallow',
    },
    {
      name: 'nested inside its first kilobyte after a string of brackets',
      claims: `{"text":"${'['.repeat(80)}","sub":${deep},"note":"${padding}","iss":"deep"}`,
      iss: undefined,
    },
  ];
  for (const { name, claims, iss } of cases) {
    let token = forged(claims);
    if (name.includes('outside')) token = `${token.slice(0, 2500)}+${token.slice(2501)}`;
    const { span } = await recordOperation(telemetry, () => jwtVerify(token, key));
    assert.equal(span.attributes['jwt.validation.reason'], 'signature_invalid', name);
    assert.equal(span.attributes['jwt.claims.iss'], iss, name);
  }
});

test('two tokens that end alike and have the same length each get their own fingerprint and pseudonym', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
  const signature = 'A'.repeat(86);
  const forged = (sub) => `${header}.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.${signature}`;
  const seen = [];
  for (const sub of ['user-0001', 'user-0002', 'user-0001']) {
    const token = forged(sub);
    const { span } = await recordOperation(telemetry, () => jwt.verify(token, secret));
    seen.push({ fingerprint: span.attributes['jwt.token.fingerprint'], user: span.attributes['enduser.pseudo.id'] });
  }
  assert.equal(forged('user-0001').length, forged('user-0002').length);
  assert.equal(seen[1].user === undefined, false);
  assert.notEqual(seen[0].fingerprint, seen[1].fingerprint);
  assert.notEqual(seen[0].user, seen[1].user);
  assert.deepEqual(seen[2], seen[0], 'the first token, seen again, is described as before');
});

test('a claim policy naming Object.prototype members exports nothing they inherit', async () => {
  // jsonwebtoken's sign() itself trips over a `constructor` claim, so this token is signed by hand.
  const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${segment({ alg: 'HS256' })}.${segment({ sub: 'x', constructor: { ssn: '078-05-1120', note: 'kept on purpose' } })}`;
  const token = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  instrumentation.setConfig({
    pseudonymKey: PSEUDONYM_KEY,
    claims: { constructor: 'keep', toString: 'keep', hasOwnProperty: 'pseudonymize' },
  });
  const { span } = await recordOperation(telemetry, () => jwt.verify(token, secret));
  const attributes = span.attributes;
  assert.equal(attributes['jwt.validation.outcome'], 'valid');
  assert.equal(
    attributes['jwt.claims.constructor'],
    JSON.stringify({ ssn: '078-05-1120', note: 'kept on purpose' }),
    'an own claim named constructor is kept as configured',
  );
  assert.equal(attributes['jwt.claims.toString'], undefined);
  assert.equal(attributes['jwt.pseudo.hasOwnProperty'], undefined);
});

test('the issuer is a metric dimension only when issued here or verified against a pinned issuer', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const token = jwt.sign({ iss: 'https://any-issuer-7c1d.example', sub: 'x' }, secret);
  const unpinned = await recordOperation(telemetry, () => jwt.verify(token, secret));
  assert.equal(unpinned.span.attributes['jwt.claims.iss'], 'https://any-issuer-7c1d.example');
  assert.equal(unpinned.metricAttributes['jwt.claims.iss'], undefined);
  const pinned = await recordOperation(telemetry, () =>
    jwt.verify(token, secret, { issuer: 'https://any-issuer-7c1d.example' }),
  );
  assert.equal(pinned.metricAttributes['jwt.claims.iss'], 'https://any-issuer-7c1d.example');
});
