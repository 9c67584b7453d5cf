/**
 * The thirteen auditor questions (docs/auditor-questions.md), each answered from exported telemetry alone.
 * One scripted scenario runs through a real node:http API with jose and the real SDK; every test then evaluates,
 * over the exported spans, log records and metric points, the predicate that the page's query states, and checks
 * the answer against what the scenario did. Nothing but exported telemetry is read to answer.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';
import {
  DETECTORS,
  FINDINGS,
  JwtInstrumentation,
  REQUEST_FINDINGS,
  recordRevocation,
} from '@tokentrail/instrumentation-jwt';
import { GENESIS } from '@tokentrail/instrumentation-jwt/audit-trail';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY, pseudonym } from './support/jwt-fixtures.mjs';
import { chainValue } from './support/audit-chain-reference.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({
  pseudonymKey: PSEUDONYM_KEY,
  // The test's clients speak through X-Forwarded-For from loopback, as a local reverse proxy would.
  trustedProxies: ['loopback'],
  scopePolicy: { '/admin': { scopes: ['admin'] } },
  detectors: { token_replay_multi_ip: { threshold: 2 }, token_hammering: { threshold: 4 } },
  findings: { expectedAlgorithms: ['HS256'] },
});
const jose = await import('jose');

const keys = { 'k-2026-10': randomBytes(32), 'k-2026-11': randomBytes(32), 'k-test-weak': randomBytes(16) };
for (const key of Object.values(keys)) telemetry.leaks.register(key.toString('latin1'), 'signing key');
/** A legacy partner still signs with a 1024-bit RSA key: the API accepts RS256 under its kid, jose refuses the key. */
const legacyRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
telemetry.leaks.register(legacyRsa.privateKey.export({ format: 'jwk' }).d, 'legacy RSA private exponent');
keys['k-legacy-rsa'] = legacyRsa.publicKey;
const alice = `alice-${randomUUID()}`;
const bob = `bob-${randomUUID()}`;
for (const sub of [alice, bob]) telemetry.leaks.register(sub, 'raw sub');
const now = () => Math.floor(Date.now() / 1000);

async function issue(sub, kid, { lifetime = 900, jti = randomUUID(), scope = 'orders:read', exp } = {}) {
  const claims = {
    sub,
    scope,
    iat: now(),
    ...(exp === null ? {} : { exp: exp ?? now() + lifetime }),
    ...(jti ? { jti } : {}),
  };
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(keys[kid]);
  telemetry.leaks.registerToken(token);
  return token;
}

/** A token made outside the API's issuer: `alg` and signature as given, for the legacy and hostile callers. */
function foreignToken(header, claims, sign) {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const token = `${input}.${sign(input)}`;
  telemetry.leaks.registerToken(token);
  return token;
}

/**
 * The API: /orders verifies, /admin verifies but forgets its scope check (and refuses admins without a second
 * factor), /profile only decodes, /refresh rotates.
 */
const server = http.createServer(async (req, res) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (req.url === '/profile') {
    res.writeHead(token ? 200 : 401).end();
    if (token) jose.decodeJwt(token);
    return;
  }
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(token, keys[jose.decodeProtectedHeader(token).kid] ?? keys['k-2026-11'], {
      algorithms: ['HS256', 'RS256'],
    }));
  } catch {
    res.writeHead(401).end();
    return;
  }
  if (req.url === '/refresh') res.writeHead(200).end(await issue(payload.sub, 'k-2026-11'));
  else if (req.url === '/admin' && payload.scope === 'admin' && !req.headers['x-second-factor'])
    res.writeHead(403).end();
  else res.writeHead(200).end('ok');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
async function get(path, token, client) {
  const response = await fetch(base + path, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
  });
  return { status: response.status, body: await response.text() };
}

// The scenario.
const T0 = Date.now();
const aliceOld = await issue(alice, 'k-2026-10');
await get('/orders', aliceOld, '198.51.100.7');
const T1 = Date.now();
const refreshed = (await get('/refresh', aliceOld, '198.51.100.7')).body;
telemetry.leaks.registerToken(refreshed);
await get('/orders', refreshed, '198.51.100.7');
const expired = await issue(bob, 'k-2026-11', { exp: now() - 60 });
const [h, _p, s] = (await issue(bob, 'k-2026-11')).split('.');
const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: bob, scope: 'admin', exp: now() + 900 })).toString('base64url')}.${s}`;
telemetry.leaks.registerToken(tampered);
for (let i = 0; i < 3; i += 1) await get('/orders', expired, '203.0.113.9');
await get('/orders', tampered, '203.0.113.9');
const T2 = Date.now();
recordRevocation({ token: aliceOld, reason: 'logout', actor: 'support-desk-17' });
await get('/orders', aliceOld, '198.51.100.7'); // still accepted: the app has no revocation list
await get('/profile', refreshed, '198.51.100.7');
await get('/admin', refreshed, '198.51.100.7');
const longLived = await issue(bob, 'k-2026-10', { lifetime: 30 * 86400, jti: null });
for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await get('/orders', longLived, client);
const noExp = await issue(bob, 'k-2026-11', { exp: null });
await get('/orders', noExp, '198.51.100.20');
const weakKeyed = await issue(bob, 'k-test-weak');
await get('/orders', weakKeyed, '198.51.100.21');
const unsecuredToken = foreignToken({ alg: 'none' }, { sub: bob, exp: now() + 900 }, () => '');
await get('/orders', unsecuredToken, '198.51.100.22'); // refused: 401
const legacy = foreignToken(
  { alg: 'RS256', kid: 'k-legacy-rsa' },
  { sub: bob, exp: now() + 900, jti: randomUUID() },
  (input) => createSign('RSA-SHA256').update(input).sign(legacyRsa.privateKey).toString('base64url'),
);
await get('/orders', legacy, '198.51.100.23'); // refused: the key is too small for jose
const bobAdmin = await issue(bob, 'k-2026-11', { scope: 'admin' });
await get('/admin', bobAdmin, '198.51.100.24'); // 403 despite the admin scope
const hammered = await issue(bob, 'k-2026-11');
for (let i = 0; i < 5; i += 1) await get('/orders', hammered, '198.51.100.25');
await new Promise((resolve) => setTimeout(resolve, 50));
server.close();

// What the backend holds, and nothing else.
const records = () => telemetry.logRecords();
const spans = () => telemetry.spans();
const named = (event) => records().filter((r) => r.eventName === event);
// The documented query for verifies: their own jwt.verify records and the jwt.request records that carry one.
const verifies = () =>
  records().filter(
    (r) =>
      (r.eventName === 'jwt.verify' || r.eventName === 'jwt.request') && r.attributes['jwt.operation'] === 'verify',
  );
const timeOf = (record) => record.hrTime[0] * 1000 + record.hrTime[1] / 1e6;
const has = (attributes, key, value) =>
  Array.isArray(attributes[key]) ? attributes[key].includes(value) : attributes[key] === value;
const fp = (token) => pseudonym(token);
const sorted = (values) => [...new Set(values)].sort();

test('1. who accessed /orders between T1 and T2', () => {
  const who = named('jwt.request')
    .filter(
      (r) =>
        r.attributes['url.path'] === '/orders' &&
        r.attributes['jwt.validation.outcome'] === 'valid' &&
        timeOf(r) >= T1 &&
        timeOf(r) <= T2,
    )
    .map((r) => r.attributes['enduser.pseudo.id']);
  assert.deepEqual(sorted(who), [pseudonym(alice)]);
  const before = named('jwt.request').filter(
    (r) => timeOf(r) >= T0 && timeOf(r) < T1 && r.attributes['url.path'] === '/orders',
  );
  assert.equal(before.length, 1, 'the access before T1 is outside the window');
});

test("2. was a request's token valid, tampered with or expired, and which claim failed", () => {
  const verdict = (token) =>
    named('jwt.request')
      .filter((r) => r.attributes['jwt.token.fingerprint'] === fp(token))
      .map((r) => [
        r.attributes['jwt.validation.outcome'],
        r.attributes['jwt.validation.reason'],
        r.attributes['jwt.validation.claim'],
      ]);
  assert.deepEqual(verdict(expired)[0], ['invalid', 'expired', 'exp']);
  assert.deepEqual(verdict(tampered)[0], ['invalid', 'signature_invalid', undefined]);
  assert.deepEqual(verdict(refreshed)[0], ['valid', undefined, undefined]);
});

test('3. which clients got repeated 401/403 answers', () => {
  const counts = new Map();
  for (const r of named('jwt.request')) {
    if (!['rejected', 'denied'].includes(r.attributes['jwt.authz.outcome'])) continue;
    counts.set(r.attributes['client.address'], (counts.get(r.attributes['client.address']) ?? 0) + 1);
  }
  assert.deepEqual(
    [...counts].filter(([, n]) => n > 2).map(([client]) => client),
    ['203.0.113.9'],
  );
});

test('4. which tokens were issued for user U, when, and for how long', () => {
  const issued = named('jwt.sign').filter((r) => r.attributes['enduser.pseudo.id'] === pseudonym(alice));
  assert.deepEqual(
    issued.map((r) => [
      r.attributes['jwt.lifecycle'],
      r.attributes['jwt.token.lifetime'],
      r.attributes['jwt.token.fingerprint'],
    ]),
    [
      ['issued', 900, fp(aliceOld)],
      ['refreshed', 900, fp(refreshed)],
    ],
  );
  assert.ok(issued.every((r) => timeOf(r) >= T0));
});

test('5. which tokens were revoked, when, why and by whom', () => {
  const [revoke, ...more] = named('jwt.revoke');
  assert.equal(more.length, 0);
  assert.equal(revoke.attributes['jwt.token.fingerprint'], fp(aliceOld));
  assert.equal(revoke.attributes['jwt.revocation.reason'], 'logout');
  assert.equal(revoke.attributes['jwt.revocation.actor'], pseudonym('support-desk-17'));
  assert.ok(timeOf(revoke) >= T2);
});

test('6. was a revoked token used, and accepted, afterwards', () => {
  const revokedAt = timeOf(named('jwt.revoke')[0]);
  const accepted = verifies().filter((r) => has(r.attributes, 'jwt.findings', 'revoked_token_accepted'));
  assert.deepEqual(sorted(accepted.map((r) => r.attributes['jwt.token.fingerprint'])), [fp(aliceOld)]);
  assert.ok(accepted.every((r) => timeOf(r) >= revokedAt));
  assert.ok(
    named('jwt.alert').some(
      (r) =>
        r.attributes['jwt.alert.name'] === 'revoked_token_used' &&
        r.attributes['jwt.token.fingerprint'] === fp(aliceOld),
    ),
  );
});

test('7. which requests were served on a bearer token that was never verified', () => {
  const unverified = named('jwt.request').filter((r) => has(r.attributes, 'jwt.findings', 'unverified_bearer'));
  assert.deepEqual(
    unverified.map((r) => [r.attributes['url.path'], r.attributes['http.response.status_code']]),
    [['/profile', 200]],
  );
});

test("8. did a valid token's scope fit the endpoint it was used on", () => {
  const gaps = named('jwt.request').filter((r) => has(r.attributes, 'jwt.findings', 'scope_insufficient'));
  assert.deepEqual(
    gaps.map((r) => [r.attributes['url.path'], r.attributes['enduser.pseudo.id']]),
    [['/admin', pseudonym(alice)]],
  );
  const fitting = named('jwt.request').filter(
    (r) => r.attributes['url.path'] === '/orders' && r.attributes['jwt.validation.outcome'] === 'valid',
  );
  assert.ok(fitting.every((r) => !has(r.attributes, 'jwt.findings', 'scope_insufficient')));
  const refused = named('jwt.request').filter((r) => has(r.attributes, 'jwt.findings', 'scope_denied_despite_grant'));
  assert.deepEqual(
    refused.map((r) => [
      r.attributes['url.path'],
      r.attributes['http.response.status_code'],
      r.attributes['jwt.token.fingerprint'],
    ]),
    [['/admin', 403, fp(bobAdmin)]],
  );
});

test('9. is one token being used from many places', () => {
  const replay = named('jwt.alert').filter((r) => r.attributes['jwt.alert.name'] === 'token_replay_multi_ip');
  assert.deepEqual(sorted(replay.map((r) => r.attributes['jwt.token.fingerprint'])), [fp(longLived)]);
  const places = sorted(
    named('jwt.request')
      .filter((r) => r.attributes['jwt.token.fingerprint'] === fp(longLived))
      .map((r) => r.attributes['client.address']),
  );
  assert.deepEqual(places, ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  const hammering = named('jwt.alert').filter((r) => r.attributes['jwt.alert.name'] === 'token_hammering');
  assert.deepEqual(
    sorted(hammering.map((r) => r.attributes['jwt.token.fingerprint'])),
    [fp(hammered)],
    'five uses from one place, over the threshold of four',
  );
});

test('10. which tokens in use are long-lived, lack exp or jti, or rely on weak algorithms or keys', async () => {
  const inUse = verifies().filter((r) => r.attributes['jwt.validation.outcome'] === 'valid');
  const flagged = (finding) =>
    sorted(
      inUse.filter((r) => has(r.attributes, 'jwt.findings', finding)).map((r) => r.attributes['jwt.token.fingerprint']),
    );
  assert.deepEqual(flagged('lifetime_too_long'), [fp(longLived)]);
  assert.deepEqual(flagged('missing_jti'), [fp(longLived)]);
  assert.deepEqual(flagged('missing_exp'), [fp(noExp)]);
  assert.deepEqual(flagged('hmac_key_weak'), [fp(weakKeyed)], 'only the 16-byte HMAC key is weak');
  // The refused tokens are not in use, but their callers are: the counter counts every verify.
  const points = await telemetry.metricPoints('jwt.findings');
  const counted = (finding) =>
    points
      .filter((point) => point.attributes['jwt.finding.name'] === finding)
      .reduce((sum, point) => sum + point.value, 0);
  assert.ok(
    counted('lifetime_too_long') >= 3,
    `the jwt.findings counter counts every long-lived verify (${counted('lifetime_too_long')})`,
  );
  assert.equal(counted('alg_none'), 1, 'the unsecured token');
  assert.equal(counted('rsa_key_small'), 1, 'the legacy RSA key');
  assert.equal(counted('alg_unexpected'), 2, 'alg none and RS256 where the policy expects HS256');
  const refused = (finding) =>
    sorted(
      verifies()
        .filter((r) => has(r.attributes, 'jwt.findings', finding))
        .map((r) => r.attributes['jwt.token.fingerprint']),
    );
  assert.deepEqual(refused('alg_none'), [fp(unsecuredToken)]);
  assert.deepEqual(refused('rsa_key_small'), [fp(legacy)]);
  assert.deepEqual(refused('alg_unexpected'), sorted([fp(unsecuredToken), fp(legacy)]));
});

/** A log record as OTLP/JSON carries it, for the independent chain implementation. */
function otlp(record) {
  const anyValue = (value) => {
    if (typeof value === 'string') return { stringValue: value };
    if (typeof value === 'boolean') return { boolValue: value };
    if (typeof value === 'number')
      return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
    return undefined;
  };
  const timeUnixNano = (BigInt(record.hrTime[0]) * 1_000_000_000n + BigInt(record.hrTime[1])).toString();
  return {
    timeUnixNano,
    body: anyValue(record.body),
    attributes: Object.entries(record.attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
  };
}

test('11. is the audit trail for the period complete and unmodified', () => {
  const trail = records()
    .filter((r) => r.attributes['jwt.audit.stream'] !== undefined)
    .sort((a, b) => a.attributes['jwt.audit.seq'] - b.attributes['jwt.audit.seq']);
  const inPeriod = trail.filter((r) => timeOf(r) >= T0);
  assert.ok(inPeriod.length > 20);
  const seqs = inPeriod.map((r) => r.attributes['jwt.audit.seq']);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => seqs[0] + i),
    'no gap in jwt.audit.seq',
  );
  let previous = trail[0].attributes['jwt.audit.seq'] === 1 ? GENESIS : undefined;
  for (const record of trail) {
    if (previous !== undefined)
      assert.equal(
        record.attributes['jwt.audit.chain'],
        chainValue(previous, otlp(record)),
        `seq ${record.attributes['jwt.audit.seq']} is unmodified`,
      );
    previous = record.attributes['jwt.audit.chain'];
  }
});

test('12. what one user did across services and across token refreshes', () => {
  const refresh = named('jwt.sign').find((r) => r.attributes['jwt.lifecycle'] === 'refreshed');
  assert.equal(
    refresh.attributes['jwt.token.previous_fingerprint'],
    fp(aliceOld),
    'the refresh links the new token to the old',
  );
  const session = new Set([
    refresh.attributes['jwt.token.previous_fingerprint'],
    refresh.attributes['jwt.token.fingerprint'],
  ]);
  const activity = named('jwt.request')
    .filter((r) => session.has(r.attributes['jwt.token.fingerprint']))
    .map((r) => r.attributes['url.path']);
  assert.deepEqual(sorted(activity), ['/admin', '/orders', '/profile', '/refresh']);
  assert.ok(
    named('jwt.request')
      .filter((r) => session.has(r.attributes['jwt.token.fingerprint']))
      .every((r) => r.attributes['enduser.pseudo.id'] === pseudonym(alice)),
  );
  assert.ok(
    spans().some((span) => span.attributes['enduser.pseudo.id'] === pseudonym(alice)),
    'the traces carry the same pseudonym',
  );
});

test('13. when was each signing key last used, and is the old one still in use', () => {
  const lastUse = new Map();
  const rotation = ['k-2026-10', 'k-2026-11'];
  for (const r of [...named('jwt.sign'), ...verifies()].filter((r) =>
    rotation.includes(r.attributes['jwt.header.kid']),
  )) {
    const key = r.attributes['jwt.key.fingerprint'];
    if (key !== undefined) lastUse.set(key, Math.max(lastUse.get(key) ?? 0, timeOf(r)));
  }
  const [oldKey, newKey] = ['k-2026-10', 'k-2026-11'].map(
    (kid) => named('jwt.sign').find((r) => r.attributes['jwt.header.kid'] === kid).attributes['jwt.key.fingerprint'],
  );
  assert.notEqual(oldKey, newKey, 'rotation shows as a new key fingerprint');
  assert.deepEqual(sorted(lastUse.keys()), sorted([oldKey, newKey]));
  const oldStillVerified = verifies().filter((r) => r.attributes['jwt.key.fingerprint'] === oldKey && timeOf(r) > T2);
  assert.ok(
    oldStillVerified.length > 0,
    'tokens signed with the old key are still accepted after the new one was introduced',
  );
});

test('every finding and alert the page names is raised by the scenario and found in the exported telemetry', () => {
  const page = readFileSync(new URL('../docs/auditor-questions.md', import.meta.url), 'utf8');
  const vocabulary = new Set([...FINDINGS, ...REQUEST_FINDINGS, ...DETECTORS]);
  const named_ = sorted([...page.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]).filter((name) => vocabulary.has(name)));
  assert.ok(named_.length >= 14, `the page names its findings and alerts (${named_.length})`);
  const raised = new Set([
    ...records().flatMap((r) => [r.attributes['jwt.findings'] ?? []].flat()),
    ...named('jwt.alert').map((r) => r.attributes['jwt.alert.name']),
  ]);
  assert.deepEqual(
    named_.filter((name) => !raised.has(name)),
    [],
    'named on the page but never raised',
  );
});
