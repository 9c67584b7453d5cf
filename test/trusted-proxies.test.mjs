/**
 * X-Forwarded-For is believed only through trusted proxies: with none configured (the default), tokentrail's
 * `client.address` and the detectors' keys are the socket's peer, so a forged header cannot dodge
 * `failure_burst`, blame another address or fake `token_replay_multi_ip`; with `trustedProxies` (a hop count
 * or addresses and ranges, as express's `trust proxy`) the forwarded address is walked from the right.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, registeredSecret } from './support/jwt-fixtures.mjs';
import { appFor, eventually, startApp } from './support/insight-app.mjs';

const require = createRequire(import.meta.url);
const THRESHOLDS = { failure_burst: 3, token_replay_multi_ip: 2 };
const base = {
  pseudonymKey: PSEUDONYM_KEY,
  detectors: Object.fromEntries(
    Object.entries(THRESHOLDS).map(([name, threshold]) => [name, { threshold, windowSeconds: 60 }]),
  ),
};
const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation(base);
const jwt = require('jsonwebtoken');
const secret = registeredSecret(telemetry, 'HMAC secret');
const wrongSecret = registeredSecret(telemetry, 'attacker HMAC secret');
telemetry.leaks.register(PERSONAL.sub, 'raw sub');
const app = appFor({ library: 'jsonwebtoken', jwt, secret });
const forger = appFor({ library: 'jsonwebtoken', jwt, secret: wrongSecret });
let server;
before(async () => {
  server = await startApp(app);
});
after(() => server.close());

const alerts = (name) =>
  telemetry.logRecords().filter((r) => r.eventName === 'jwt.alert' && r.attributes['jwt.alert.name'] === name);
const requestRecords = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');

async function mint(signer = app) {
  const token = await signer.sign({ sub: PERSONAL.sub, iat: nowSeconds(), exp: nowSeconds() + 600, jti: randomUUID() });
  telemetry.leaks.registerToken(token);
  return token;
}

/** Sends one request with this X-Forwarded-For and returns its jwt.request record. */
async function request(token, forwardedFor) {
  const seen = requestRecords().length;
  await server.get('/orders', token, forwardedFor);
  return eventually(() => requestRecords()[seen], 'the jwt.request record');
}

test('by default a forged X-Forwarded-For is ignored: client.address is the socket peer', async () => {
  instrumentation.setConfig(base);
  telemetry.reset();
  const record = await request(await mint(), '203.0.113.7');
  assert.equal(record.attributes['client.address'], '127.0.0.1');
  assert.equal(record.attributes['network.peer.address'], '127.0.0.1');
});

test('by default failure_burst cannot be dodged by a new X-Forwarded-For per request, nor blamed on another address', async () => {
  instrumentation.setConfig(base);
  telemetry.reset();
  for (let i = 0; i <= THRESHOLDS.failure_burst; i += 1) await request(await mint(forger), `198.51.100.${i + 1}`);
  const [alert] = alerts('failure_burst');
  assert.ok(alert, 'the peer sent more than N invalid tokens');
  assert.equal(alert.attributes['client.address'], '127.0.0.1', 'the alert names the peer');
  const named = telemetry
    .logRecords()
    .map((r) => r.attributes['client.address'])
    .filter(Boolean);
  assert.ok(
    named.every((address) => address === '127.0.0.1'),
    `no forged address is exported: ${[...new Set(named)]}`,
  );
});

test('by default token_replay_multi_ip is not faked by one client writing many addresses', async () => {
  instrumentation.setConfig(base);
  telemetry.reset();
  const token = await mint();
  for (let i = 0; i <= THRESHOLDS.token_replay_multi_ip + 2; i += 1) await request(token, `192.0.2.${i + 1}`);
  assert.deepEqual(alerts('token_replay_multi_ip'), []);
});

test('trusted proxies by range: the forwarded address is walked from the right up to the first untrusted one', async () => {
  instrumentation.setConfig({ ...base, trustedProxies: ['loopback', '10.0.0.0/8'] });
  telemetry.reset();
  const token = await mint();
  assert.equal(
    (await request(token, '203.0.113.50, 198.51.100.9, 10.1.2.3')).attributes['client.address'],
    '198.51.100.9',
  );
  assert.equal(
    (await request(token, '10.0.0.1, 10.0.0.2')).attributes['client.address'],
    '10.0.0.1',
    'all trusted: the leftmost',
  );
  assert.equal(
    (await request(token, 'not-an-address, 10.0.0.2')).attributes['client.address'],
    '10.0.0.2',
    'a malformed entry is not believed',
  );
  for (let i = 0; i <= THRESHOLDS.token_replay_multi_ip; i += 1) await request(token, `192.0.2.${i + 1}`);
  assert.equal(alerts('token_replay_multi_ip').length, 1, 'distinct clients behind a trusted proxy are counted');
});

test('trusted proxies by hop count, as express counts them', async () => {
  const token = await mint();
  instrumentation.setConfig({ ...base, trustedProxies: 1 });
  assert.equal((await request(token, '203.0.113.1, 198.51.100.2')).attributes['client.address'], '198.51.100.2');
  instrumentation.setConfig({ ...base, trustedProxies: 2 });
  assert.equal((await request(token, '203.0.113.1, 198.51.100.2')).attributes['client.address'], '203.0.113.1');
  instrumentation.setConfig({ ...base, trustedProxies: 5 });
  assert.equal(
    (await request(token, '203.0.113.1, 198.51.100.2')).attributes['client.address'],
    '203.0.113.1',
    'fewer hops than trusted: the leftmost',
  );
});

for (const [value, got] of [
  [-1, 'number'],
  [1.5, 'number'],
  ['loopback', '"loopback"'],
  [['not-an-ip'], '"not-an-ip"'],
  [['10.0.0.0/33'], '"10.0.0.0/33"'],
  [[7], 'number'],
]) {
  test(`trustedProxies ${JSON.stringify(value)} is refused with a TypeError`, () => {
    assert.throws(() => new JwtInstrumentation({ enabled: false, trustedProxies: value }), {
      name: 'TypeError',
      message: new RegExp(`config\\.trustedProxies must be a hop count .* \\(got ${got.replace(/[./]/g, '\\$&')}\\)`),
    });
  });
}

test('TOKENTRAIL_TRUSTED_PROXIES: a hop count or a comma-separated list, anything else refused naming the variable', () => {
  const { configFromEnv } = require('@tokentrail/register/env-config');
  assert.equal(configFromEnv({ TOKENTRAIL_TRUSTED_PROXIES: '2' }).trustedProxies, 2);
  assert.deepEqual(configFromEnv({ TOKENTRAIL_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,::1' }).trustedProxies, [
    'loopback',
    '10.0.0.0/8',
    '::1',
  ]);
  assert.equal(configFromEnv({}).trustedProxies, undefined);
  assert.throws(() => configFromEnv({ TOKENTRAIL_TRUSTED_PROXIES: 'everyone' }), {
    name: 'TypeError',
    message: /TOKENTRAIL_TRUSTED_PROXIES must be/,
  });
  assert.doesNotThrow(
    () =>
      new JwtInstrumentation({
        enabled: false,
        ...configFromEnv({ TOKENTRAIL_TRUSTED_PROXIES: 'uniquelocal,fe80::/10' }),
      }),
  );
});
