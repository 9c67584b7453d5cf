/**
 * Remote key sets: jose's createRemoteJWKSet and jwks-rsa against a JWKS endpoint on loopback that rotates its
 * keys and fails on demand. Each lookup is a `jwt.jwks.fetch` span under the verify that needed it, a change of
 * the set's kids is a `jwt.key.rotated` log record, and a verify that suffered says why.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY, nowSeconds } from './support/jwt-fixtures.mjs';
import { startJwksServer } from './support/jwks-server.mjs';
import { observe } from './support/observe.mjs';

const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jose = await import('jose');
const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken');
const jwksRsa = require('jwks-rsa');

const server = await startJwksServer();
after(() => server.close());
// A credential in the JWKS URL's query string must never be exported.
const querySecret = `qs-${randomBytes(12).toString('hex')}`;
telemetry.leaks.register(querySecret, 'JWKS URL query credential');

/** A signing key pair, its public JWK as the endpoint serves it, and a token it signed. */
async function signingKey(kid) {
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = await jose.exportJWK(privateKey);
  telemetry.leaks.register(privateJwk.d, `private key ${kid}`);
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const token = await new jose.SignJWT({ sub: `user-of-${kid}` })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setExpirationTime(nowSeconds() + 600)
    .sign(privateKey);
  telemetry.leaks.registerToken(token);
  return { kid, jwk, token, privateKey };
}

/** Runs `steps` inside one parent span, as a request handler would; returns that span's trace id. */
async function inOneTrace(steps) {
  let traceId;
  await trace.getTracer('test').startActiveSpan('request', async (span) => {
    traceId = span.spanContext().traceId;
    try {
      await steps();
    } finally {
      span.end();
    }
  });
  return traceId;
}

async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

const verifies = () => telemetry.spans().filter((s) => s.name === 'jwt.verify');
const lookups = () => telemetry.spans().filter((s) => s.name === 'jwt.jwks.fetch');
const rotations = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.key.rotated');
/** The lookup span made under a given verify (or server) span. */
function lookupUnder(parent) {
  const found = lookups().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
  assert.equal(found.length, 1, `one jwt.jwks.fetch span under the ${parent.name}`);
  return found[0];
}

test('jose createRemoteJWKSet: key_not_found before the refetch, jwt.key.rotated, success after, a failing endpoint → jwks_fetch_failed, all in one trace', async () => {
  const [a, b, c] = [
    await signingKey('2026-11-key-a'),
    await signingKey('2026-12-key-b'),
    await signingKey('2027-01-key-c'),
  ];
  server.rotate([a.jwk]);
  server.recover();
  const cooldown = 1500;
  const JWKS = jose.createRemoteJWKSet(
    new URL(`http://127.0.0.1:${server.port}/tenant-1/jwks.json?client_secret=${querySecret}`),
    { cooldownDuration: cooldown },
  );
  const location = {
    'jwt.jwks.client': 'jose',
    'server.address': '127.0.0.1',
    'server.port': server.port,
    'url.path': '/tenant-1/jwks.json',
  };
  telemetry.reset();
  const results = [];
  const traceId = await inOneTrace(async () => {
    results.push(await settle(jose.jwtVerify(a.token, JWKS))); // first lookup: fetched
    server.rotate([b.jwk]); // the identity provider rotates
    results.push(await settle(jose.jwtVerify(b.token, JWKS))); // jose is cooling down: no refetch yet
    await sleep(cooldown + 100);
    results.push(await settle(jose.jwtVerify(b.token, JWKS))); // refetch: the new key is there
    server.rotate([c.jwk]);
    server.fail(503);
    await sleep(cooldown + 100);
    results.push(await settle(jose.jwtVerify(c.token, JWKS))); // the refetch fails
  });

  assert.equal(results[0].value?.protectedHeader.kid, a.kid);
  assert.equal(results[1].error?.code, 'ERR_JWKS_NO_MATCHING_KEY', 'the library still decides');
  assert.equal(results[2].value?.protectedHeader.kid, b.kid);
  assert.equal(results[3].error?.code, 'ERR_JOSE_GENERIC');

  const spans = verifies();
  assert.equal(spans.length, 4);
  assert.deepEqual(
    spans.map((s) => [s.attributes['jwt.validation.outcome'], s.attributes['jwt.validation.reason']]),
    [
      ['valid', undefined],
      ['invalid', 'key_not_found'],
      ['valid', undefined],
      ['invalid', 'jwks_fetch_failed'],
    ],
  );
  assert.deepEqual(
    { ...lookupUnder(spans[0]).attributes },
    { ...location, 'jwt.jwks.cache': 'miss', 'http.response.status_code': 200, 'jwt.jwks.key_count': 1 },
  );
  assert.deepEqual(
    { ...lookupUnder(spans[1]).attributes },
    {
      ...location,
      'jwt.jwks.cache': 'hit',
      'jwt.jwks.key_count': 1,
      'jwt.validation.reason': 'key_not_found',
      'error.type': 'ERR_JWKS_NO_MATCHING_KEY',
    },
  );
  assert.deepEqual(
    { ...lookupUnder(spans[2]).attributes },
    { ...location, 'jwt.jwks.cache': 'miss', 'http.response.status_code': 200, 'jwt.jwks.key_count': 1 },
  );
  const failed = lookupUnder(spans[3]);
  assert.deepEqual(
    { ...failed.attributes },
    {
      ...location,
      'jwt.jwks.cache': 'miss',
      'http.response.status_code': 503,
      'jwt.jwks.key_count': 1,
      'jwt.validation.reason': 'jwks_fetch_failed',
      'error.type': 'ERR_JOSE_GENERIC',
    },
  );
  assert.deepEqual(failed.status, { code: SpanStatusCode.ERROR, message: 'jwks_fetch_failed' });

  const [rotated, ...more] = rotations();
  assert.equal(more.length, 0, 'one rotation: the failed fetch changed nothing');
  const {
    'jwt.audit.seq': seq,
    'jwt.audit.stream': stream,
    'jwt.audit.chain': chain,
    ...rotatedAttributes
  } = rotated.attributes;
  assert.deepEqual(rotatedAttributes, {
    ...location,
    'jwt.jwks.cache': 'miss',
    'http.response.status_code': 200,
    'jwt.jwks.key_count': 1,
    'jwt.jwks.kids.added': [b.kid],
    'jwt.jwks.kids.removed': [a.kid],
  });
  assert.ok(Number.isSafeInteger(seq) && seq > 0, 'the record is on the audit trail');
  assert.match(stream, /^[0-9a-f]{32}$/);
  assert.match(chain, /^[0-9a-f]{64}$/);
  assert.equal(
    rotated.spanContext.spanId,
    spans[2].spanContext().spanId,
    'the record points at the verify that saw the new keys',
  );

  for (const span of [...spans, ...lookups()])
    assert.equal(span.spanContext().traceId, traceId, `${span.name} is in the request's trace`);
  assert.equal(rotated.spanContext.traceId, traceId);
  for (const span of lookups()) assert.equal(span.attributes['url.query'], undefined);
});

test('jwks-rsa with jsonwebtoken: miss then hit, a rotation, key_not_found for an unknown kid, jwks_fetch_failed when the endpoint fails', async () => {
  const [a, b, c] = [await signingKey('rsa-a'), await signingKey('rsa-b'), await signingKey('rsa-c')];
  const unknown = await signingKey('rsa-unknown');
  server.rotate([a.jwk]);
  server.recover();
  const client = jwksRsa({
    jwksUri: `http://127.0.0.1:${server.port}/tenant-2/.well-known/jwks.json?api_key=${querySecret}`,
  });
  const keyFor = (header, done) => client.getSigningKey(header.kid, (err, key) => done(err, key?.getPublicKey()));
  const verify = (token) =>
    new Promise((resolve, reject) =>
      jwt.verify(token, keyFor, { algorithms: ['RS256'] }, (err, value) => (err ? reject(err) : resolve(value))),
    );
  const location = {
    'jwt.jwks.client': 'jwks-rsa',
    'server.address': '127.0.0.1',
    'server.port': server.port,
    'url.path': '/tenant-2/.well-known/jwks.json',
  };
  telemetry.reset();
  const results = [];
  const traceId = await inOneTrace(async () => {
    results.push(await settle(verify(a.token)));
    results.push(await settle(verify(a.token)));
    server.rotate([b.jwk]);
    results.push(await settle(verify(b.token)));
    results.push(await settle(verify(unknown.token)));
    server.rotate([c.jwk]);
    server.fail(500);
    results.push(await settle(verify(c.token)));
  });
  assert.deepEqual(
    results.map((r) => r.value?.sub ?? r.error?.name),
    ['user-of-rsa-a', 'user-of-rsa-a', 'user-of-rsa-b', 'JsonWebTokenError', 'JsonWebTokenError'],
  );

  const spans = verifies();
  assert.deepEqual(
    spans.map((s) => s.attributes['jwt.validation.reason'] ?? s.attributes['jwt.validation.outcome']),
    ['valid', 'valid', 'valid', 'key_not_found', 'jwks_fetch_failed'],
  );
  assert.deepEqual(
    spans.map((s) => lookupUnder(s).attributes['jwt.jwks.cache']),
    ['miss', 'hit', 'miss', 'miss', 'miss'],
  );
  assert.deepEqual(
    { ...lookupUnder(spans[0]).attributes },
    { ...location, 'jwt.jwks.cache': 'miss', 'jwt.jwks.key_count': 1 },
  );
  assert.deepEqual(
    { ...lookupUnder(spans[4]).attributes },
    {
      ...location,
      'jwt.jwks.cache': 'miss',
      'jwt.jwks.key_count': 1,
      'jwt.validation.reason': 'jwks_fetch_failed',
      'error.type': 'JwksError',
    },
  );
  assert.equal(lookupUnder(spans[3]).attributes['error.type'], 'SigningKeyNotFoundError');
  const records = rotations();
  assert.equal(records.length, 1);
  assert.deepEqual(records[0].attributes['jwt.jwks.kids.added'], [b.kid]);
  assert.deepEqual(records[0].attributes['jwt.jwks.kids.removed'], [a.kid]);
  for (const span of [...spans, ...lookups()]) assert.equal(span.spanContext().traceId, traceId);
});

test('fast-jwt with a jwks-rsa key fetcher: a failing endpoint is jwks_fetch_failed on the verify', async () => {
  const { createVerifier } = require('fast-jwt');
  const d = await signingKey('rsa-d');
  server.rotate([d.jwk]);
  server.fail(502);
  const client = jwksRsa({ jwksUri: `http://127.0.0.1:${server.port}/tenant-3/jwks.json` });
  const verify = createVerifier({ key: async ({ header }) => (await client.getSigningKey(header.kid)).getPublicKey() });
  telemetry.reset();
  const failed = await settle(verify(d.token));
  assert.equal(failed.error?.code, 'FAST_JWT_KEY_FETCHING_ERROR');
  server.recover();
  const passed = await settle(verify(d.token));
  assert.equal(passed.value?.sub, 'user-of-rsa-d');
  const spans = verifies();
  assert.deepEqual(
    spans.map((s) => s.attributes['jwt.validation.reason'] ?? s.attributes['jwt.validation.outcome']),
    ['jwks_fetch_failed', 'valid'],
  );
  assert.deepEqual(
    spans.map((s) => lookupUnder(s).attributes['jwt.validation.reason']),
    ['jwks_fetch_failed', undefined],
  );
});

test('jwks: { enabled: false } records no lookup, and the verifies are still recorded', async () => {
  assert.throws(() => new JwtInstrumentation({ enabled: false, jwks: 'off' }), /config\.jwks must be an object/);
  const e = await signingKey('key-e');
  server.rotate([e.jwk]);
  server.recover();
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, jwks: { enabled: false } });
  try {
    telemetry.reset();
    const JWKS = jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/tenant-4/jwks.json`));
    await jose.jwtVerify(e.token, JWKS);
    const client = jwksRsa({ jwksUri: `http://127.0.0.1:${server.port}/tenant-4/jwks.json` });
    await client.getSigningKey(e.kid);
    assert.equal(verifies().length, 1);
    assert.deepEqual(lookups(), []);
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
});

test('the remote key sets behave the same with and without the instrumentation', async () => {
  const f = await signingKey('key-f');
  const stranger = await signingKey('key-stranger');
  const scenarios = {
    'jose: valid': async () =>
      jose.jwtVerify(f.token, jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/t5/jwks.json`))),
    'jose: no matching key': async () =>
      jose.jwtVerify(stranger.token, jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/t5/jwks.json`))),
    'jose: the key function and its properties': async () => {
      const JWKS = jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/t5/jwks.json`), {
        cooldownDuration: 0,
      });
      const before = {
        keys: Object.keys(JWKS),
        name: JWKS.name,
        length: JWKS.length,
        fresh: JWKS.fresh,
        jwks: JWKS.jwks(),
      };
      await JWKS.reload();
      return {
        before,
        after: { fresh: JWKS.fresh, coolingDown: JWKS.coolingDown, reloading: JWKS.reloading, jwks: JWKS.jwks() },
      };
    },
    'jose: not a URL': async () => jose.createRemoteJWKSet(`http://127.0.0.1:${server.port}/t5/jwks.json`),
    'jose: endpoint failing': async () => {
      server.fail(500);
      try {
        return await jose.jwtVerify(
          f.token,
          jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/t5/jwks.json`)),
        );
      } finally {
        server.recover();
      }
    },
    'jwks-rsa: promise': async () =>
      (await jwksRsa({ jwksUri: `http://127.0.0.1:${server.port}/t6/jwks.json` }).getSigningKey(f.kid)).getPublicKey(),
    'jwks-rsa: callback, unknown kid': () =>
      new Promise((resolve) =>
        jwksRsa({ jwksUri: `http://127.0.0.1:${server.port}/t6/jwks.json` }).getSigningKey('nope', (...args) =>
          resolve(args.map((a) => a?.message ?? a)),
        ),
      ),
  };
  server.rotate([f.jwk]);
  server.recover();
  for (const [name, run] of Object.entries(scenarios)) {
    const enabled = observe(await settle(run()));
    instrumentation.disable();
    let disabled;
    try {
      disabled = observe(await settle(run()));
    } finally {
      instrumentation.enable();
    }
    assert.deepStrictEqual(enabled, disabled, name);
  }
});

test('jose 4 (as express-oauth2-jwt-bearer uses it): lookups, a rotation and a failing endpoint; the middleware over a remote set in one trace', async () => {
  const middlewareRequire = createRequire(require.resolve('express-oauth2-jwt-bearer'));
  const jose4 = middlewareRequire('jose');
  assert.match(middlewareRequire('jose/package.json').version, /^4\./);
  const [a, b] = [await signingKey('v4-key-a'), await signingKey('v4-key-b')];
  server.rotate([a.jwk]);
  server.recover();
  const JWKS = jose4.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/v4/jwks.json?secret=${querySecret}`), {
    cooldownDuration: 0,
  });
  const location = {
    'jwt.jwks.client': 'jose',
    'server.address': '127.0.0.1',
    'server.port': server.port,
    'url.path': '/v4/jwks.json',
  };
  telemetry.reset();
  const results = [];
  await inOneTrace(async () => {
    results.push(await settle(jose4.jwtVerify(a.token, JWKS)));
    results.push(await settle(jose4.jwtVerify(a.token, JWKS)));
    server.rotate([b.jwk]);
    results.push(await settle(jose4.jwtVerify(b.token, JWKS)));
    server.fail(503);
    results.push(await settle(jose4.jwtVerify((await signingKey('v4-key-c')).token, JWKS)));
    server.recover();
  });
  assert.deepEqual(
    results.map((r) => r.value?.payload.sub ?? r.error?.code),
    ['user-of-v4-key-a', 'user-of-v4-key-a', 'user-of-v4-key-b', 'ERR_JOSE_GENERIC'],
  );
  const spans = verifies();
  assert.deepEqual(
    spans.map((s) => s.attributes['jwt.validation.reason'] ?? s.attributes['jwt.validation.outcome']),
    ['valid', 'valid', 'valid', 'jwks_fetch_failed'],
  );
  assert.deepEqual(
    { ...lookupUnder(spans[0]).attributes },
    { ...location, 'jwt.jwks.cache': 'miss', 'http.response.status_code': 200, 'jwt.jwks.key_count': 1 },
  );
  assert.deepEqual(
    { ...lookupUnder(spans[1]).attributes },
    { ...location, 'jwt.jwks.cache': 'hit', 'jwt.jwks.key_count': 1 },
  );
  assert.equal(lookupUnder(spans[3]).attributes['jwt.validation.reason'], 'jwks_fetch_failed');
  const records = rotations();
  assert.equal(records.length, 1);
  assert.deepEqual(
    [records[0].attributes['jwt.jwks.kids.added'], records[0].attributes['jwt.jwks.kids.removed']],
    [[b.kid], [a.kid]],
  );

  // express-oauth2-jwt-bearer configured with the endpoint: the lookup is under the verify, under the request.
  const express = require('express');
  const { auth } = require('express-oauth2-jwt-bearer');
  const { ISSUER, AUDIENCE } = await import('./support/jwt-fixtures.mjs');
  const d = await signingKey('v4-key-d');
  server.rotate([d.jwk]);
  const app = express();
  app.get(
    '/orders',
    auth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `http://127.0.0.1:${server.port}/v4/app/jwks.json` }),
    (_req, res) => res.send('ok'),
  );
  const listener = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const token = await new jose.SignJWT({ sub: 'mw-user', iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: 'RS256', kid: d.kid })
      .setExpirationTime(nowSeconds() + 60)
      .sign(d.privateKey);
    telemetry.leaks.registerToken(token);
    telemetry.reset();
    const response = await fetch(`http://127.0.0.1:${listener.address().port}/orders`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.text();
    assert.equal(response.status, 200);
    let serverSpan;
    for (let i = 0; i < 200 && !serverSpan; i += 1) {
      serverSpan = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
      if (!serverSpan) await sleep(5);
    }
    assert.equal(serverSpan.attributes['jwt.validation.outcome'], 'valid');
    // The request's successful verify is told by the server span: the lookup it waited for is the server span's child.
    assert.deepEqual(verifies(), [], 'no jwt.verify span of its own');
    const lookup = lookupUnder(serverSpan);
    assert.deepEqual(
      { ...lookup.attributes },
      {
        ...location,
        'url.path': '/v4/app/jwks.json',
        'jwt.jwks.cache': 'miss',
        'http.response.status_code': 200,
        'jwt.jwks.key_count': 1,
      },
    );
    assert.equal(lookup.spanContext().traceId, serverSpan.spanContext().traceId);
  } finally {
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
  }
});

test('jose 4 imported as ES module: its remote set is recorded too', async () => {
  const middlewareRequire = createRequire(require.resolve('express-oauth2-jwt-bearer'));
  const esmEntry = new URL('../esm/index.js', `file://${middlewareRequire.resolve('jose')}`);
  assert.match(esmEntry.pathname, /jose\/dist\/node\/esm\/index\.js$/);
  const jose4 = await import(esmEntry.href);
  const e = await signingKey('v4-esm-key');
  server.rotate([e.jwk]);
  server.recover();
  telemetry.reset();
  const JWKS = jose4.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/v4-esm/jwks.json`));
  assert.equal((await jose4.jwtVerify(e.token, JWKS)).payload.sub, 'user-of-v4-esm-key');
  const [verify] = verifies();
  assert.equal(verify.attributes['jwt.validation.outcome'], 'valid');
  assert.deepEqual(
    [
      lookupUnder(verify).attributes['jwt.jwks.cache'],
      lookupUnder(verify).attributes['http.response.status_code'],
      lookupUnder(verify).attributes['url.path'],
    ],
    ['miss', 200, '/v4-esm/jwks.json'],
  );
});

test('express-jwt with expressJwtSecret (the key is fetched before the verify): a failing endpoint makes the request invalid, jwks_fetch_failed', async () => {
  const express = require('express');
  const { expressjwt } = require('express-jwt');
  const g = await signingKey('mw-key-g');
  server.rotate([g.jwk]);
  server.recover();
  const app = express();
  app.get(
    '/orders',
    expressjwt({
      secret: jwksRsa.expressJwtSecret({ jwksUri: `http://127.0.0.1:${server.port}/mw/jwks.json` }),
      algorithms: ['RS256'],
    }),
    (_req, res) => res.send('ok'),
  );
  app.use((err, _req, res, _next) => res.status(err.status ?? 503).send(err.name));
  const listener = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const call = async (token) => {
    telemetry.reset();
    const response = await fetch(`http://127.0.0.1:${listener.address().port}/orders`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.text();
    let serverSpan;
    for (let i = 0; i < 200 && !serverSpan; i += 1) {
      serverSpan = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
      if (!serverSpan) await sleep(5);
    }
    const attributes = serverSpan.attributes;
    return [
      response.status,
      attributes['jwt.validation.outcome'],
      attributes['jwt.validation.reason'],
      attributes['jwt.authz.outcome'],
    ];
  };
  try {
    assert.deepEqual(await call(g.token), [200, 'valid', undefined, 'allowed']);
    assert.deepEqual(
      await call((await signingKey('mw-key-unknown')).token),
      [401, 'invalid', 'key_not_found', 'rejected'],
      'no key for the kid: the verify ran without one',
    );
    server.fail(503);
    assert.deepEqual(
      await call((await signingKey('mw-key-h')).token),
      [503, 'invalid', 'jwks_fetch_failed', 'error'],
      'the verify never ran',
    );
    const [lookup] = lookups();
    assert.equal(lookup.attributes['jwt.validation.reason'], 'jwks_fetch_failed');
    assert.deepEqual(verifies(), [], 'express-jwt did not verify');
  } finally {
    server.recover();
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
  }
});
