/**
 * Misuse detectors with the real jose and jsonwebtoken, a real node:http server and the real SDK: each
 * detector fires at its threshold and not one below, once per episode, with its evidence and pseudonyms only.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { SeverityNumber, SpanKind } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, pseudonym, registeredSecret } from './support/jwt-fixtures.mjs';
import { counterValue } from './support/insight.mjs';
import { appFor, eventually, startApp } from './support/insight-app.mjs';

const THRESHOLDS = { token_hammering: 3, token_replay_multi_ip: 2, failure_burst: 3, reissue_storm: 3 };
const config = {
  pseudonymKey: PSEUDONYM_KEY,
  // The test's clients speak through X-Forwarded-For from loopback, as a local reverse proxy would.
  trustedProxies: ['loopback'],
  detectors: Object.fromEntries(
    Object.entries(THRESHOLDS).map(([name, threshold]) => [name, { threshold, windowSeconds: 60 }]),
  ),
};
const telemetry = setupTelemetry();
const instrumentation = new JwtInstrumentation(config);
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry, 'HMAC secret');
const wrongSecret = registeredSecret(telemetry, 'attacker HMAC secret');
telemetry.leaks.register(PERSONAL.sub, 'raw sub');

const alerts = (name) =>
  telemetry.logRecords().filter((r) => r.eventName === 'jwt.alert' && r.attributes['jwt.alert.name'] === name);
const requestRecords = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');

for (const library of ['jose', 'jsonwebtoken']) {
  describe(library, () => {
    const app = appFor({ library, jose, jwt, secret });
    const forger = appFor({ library, jose, jwt, secret: wrongSecret });
    let server;
    before(async () => {
      server = await startApp(app);
    });
    after(() => server.close());

    async function mint(sub = PERSONAL.sub, signer = app) {
      const token = await signer.sign({ sub, iat: nowSeconds(), exp: nowSeconds() + 600, jti: randomUUID() });
      telemetry.leaks.registerToken(token);
      return token;
    }

    /** Sends the requests one after the other and waits for each one's jwt.request record. */
    async function requests(list) {
      for (const [path, token, address] of list) {
        const seen = requestRecords().length;
        await server.get(path, token, address);
        await eventually(() => requestRecords().length > seen, 'the jwt.request record');
      }
    }

    test('token_hammering: one token verified more than N times outside a request; once per episode', async () => {
      const token = await mint();
      telemetry.reset();
      for (let i = 0; i < THRESHOLDS.token_hammering; i += 1) await app.verify(token);
      assert.deepEqual(alerts('token_hammering'), [], `${THRESHOLDS.token_hammering} uses: below the threshold`);
      await app.verify(token);
      const [alert] = alerts('token_hammering');
      assert.ok(alert, 'the next use fires');
      assert.equal(alert.severityNumber, SeverityNumber.WARN);
      const {
        'jwt.audit.seq': seq,
        'jwt.audit.stream': _stream,
        'jwt.audit.chain': _chain,
        ...attributes
      } = alert.attributes;
      assert.ok(seq > 0);
      assert.deepEqual(attributes, {
        'jwt.alert.name': 'token_hammering',
        'jwt.alert.count': THRESHOLDS.token_hammering + 1,
        'jwt.alert.threshold': THRESHOLDS.token_hammering,
        'jwt.alert.window': 60,
        'jwt.token.fingerprint': pseudonym(token),
        'enduser.pseudo.id': pseudonym(PERSONAL.sub),
      });
      const verifySpan = telemetry
        .spans()
        .filter((s) => s.name === 'jwt.verify')
        .at(-1);
      assert.deepEqual(
        verifySpan.events.map((e) => e.name),
        ['jwt.alert'],
        'an event on the verify span',
      );
      await app.verify(token);
      assert.equal(alerts('token_hammering').length, 1, 'no second alert within the window');
    });

    test('token_hammering over HTTP counts one use per request, and the alert lands on the server span', async () => {
      const token = await mint();
      telemetry.reset();
      await requests(Array.from({ length: THRESHOLDS.token_hammering }, () => ['/orders', token, '10.9.0.1']));
      assert.deepEqual(alerts('token_hammering'), []);
      await requests([['/orders', token, '10.9.0.1']]);
      const [alert] = alerts('token_hammering');
      assert.equal(alert?.attributes['jwt.alert.count'], THRESHOLDS.token_hammering + 1);
      const server = await eventually(
        () => telemetry.spans().findLast((s) => s.kind === SpanKind.SERVER && s.events.length > 0),
        'the server span',
      );
      assert.deepEqual(
        server.events.map((e) => e.name),
        ['jwt.alert'],
      );
      assert.equal(alert.spanContext.spanId, server.spanContext().spanId, 'the alert record points at the server span');
    });

    test('token_replay_multi_ip: one token from more than N client addresses (repeats from one address do not count)', async () => {
      const token = await mint();
      telemetry.reset();
      await requests([
        ['/orders', token, '10.1.0.1'],
        ['/orders', token, '10.1.0.1'],
        ['/orders', token, '10.1.0.2'],
      ]);
      assert.deepEqual(
        alerts('token_replay_multi_ip'),
        [],
        `${THRESHOLDS.token_replay_multi_ip} addresses: below the threshold`,
      );
      await requests([['/orders', token, '10.1.0.3']]);
      const [alert] = alerts('token_replay_multi_ip');
      assert.ok(alert, 'a third address fires');
      assert.equal(alert.severityNumber, SeverityNumber.ERROR);
      assert.equal(alert.attributes['jwt.alert.count'], THRESHOLDS.token_replay_multi_ip + 1);
      assert.equal(alert.attributes['jwt.token.fingerprint'], pseudonym(token));
      const before = await counterValue(telemetry, 'jwt.alerts', { 'jwt.alert.name': 'token_replay_multi_ip' });
      await requests([['/orders', token, '10.1.0.4']]);
      assert.equal(alerts('token_replay_multi_ip').length, 1, 'de-duplicated within the window');
      assert.equal(await counterValue(telemetry, 'jwt.alerts', { 'jwt.alert.name': 'token_replay_multi_ip' }), before);
    });

    test('failure_burst: more than N invalid tokens from one client address', async () => {
      const address = `10.2.${library.length}.1`;
      telemetry.reset();
      const forged = await Promise.all(
        Array.from({ length: THRESHOLDS.failure_burst + 1 }, () => mint(PERSONAL.sub, forger)),
      );
      await requests(forged.slice(0, THRESHOLDS.failure_burst).map((t) => ['/orders', t, address]));
      await requests([['/orders', forged.at(-1), '10.2.99.99']]);
      assert.deepEqual(
        alerts('failure_burst'),
        [],
        'N failures from the address, and one from elsewhere: below the threshold',
      );
      await requests([['/orders', forged.at(-1), address]]);
      const [alert] = alerts('failure_burst');
      assert.ok(alert, 'the next failure from the address fires');
      assert.equal(alert.attributes['jwt.alert.count'], THRESHOLDS.failure_burst + 1);
      assert.equal(alert.attributes['client.address'], address);
      assert.equal(alert.attributes['jwt.token.fingerprint'], undefined, 'about the client, not a token');
    });

    test('reissue_storm: more than N tokens issued for one subject', async () => {
      const subject = `${PERSONAL.sub}-${library}`;
      telemetry.leaks.register(subject, 'raw subject');
      telemetry.reset();
      for (let i = 0; i < THRESHOLDS.reissue_storm; i += 1) await mint(subject);
      await mint(`${subject}-someone-else`);
      assert.deepEqual(alerts('reissue_storm'), [], 'N issuances: below the threshold');
      await mint(subject);
      const [alert] = alerts('reissue_storm');
      assert.ok(alert);
      assert.equal(alert.attributes['jwt.alert.count'], THRESHOLDS.reissue_storm + 1);
      assert.equal(alert.attributes['enduser.pseudo.id'], pseudonym(subject));
    });
  });
}

test('the window slides: uses older than the window no longer count', async () => {
  instrumentation.setConfig({ ...config, detectors: { token_hammering: { threshold: 2, windowSeconds: 1 } } });
  try {
    const app = appFor({ library: 'jsonwebtoken', jose, jwt, secret });
    const token = await app.sign({ sub: PERSONAL.sub, exp: nowSeconds() + 600 });
    telemetry.leaks.registerToken(token);
    telemetry.reset();
    await app.verify(token);
    await app.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await app.verify(token);
    assert.deepEqual(alerts('token_hammering'), [], 'two uses, a pause longer than the window, one use');
    await app.verify(token);
    await app.verify(token);
    assert.equal(alerts('token_hammering').length, 1, 'three uses within the window fire');
  } finally {
    instrumentation.setConfig(config);
  }
});

test('detectors: { enabled: false } turns them off', async () => {
  instrumentation.setConfig({ ...config, detectors: { enabled: false } });
  try {
    const app = appFor({ library: 'jose', jose, jwt, secret });
    const token = await app.sign({ sub: PERSONAL.sub, exp: nowSeconds() + 600 });
    telemetry.leaks.registerToken(token);
    telemetry.reset();
    for (let i = 0; i < 150; i += 1) await app.verify(token);
    assert.deepEqual(
      telemetry.logRecords().filter((r) => r.eventName === 'jwt.alert'),
      [],
    );
  } finally {
    instrumentation.setConfig(config);
  }
});
