/**
 * End to end: the examples run as child processes under `node --import` / `--require @tokentrail/register`,
 * exporting over OTLP/HTTP (JSON and protobuf) to a strict receiver that rejects what a Collector would.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { LeakScanner } from './support/leak-scanner.mjs';
import { pseudonym } from './support/jwt-fixtures.mjs';

const require = createRequire(import.meta.url);
const exampleApp = (name, file) => join(dirname(require.resolve(`@tokentrail/example-${name}/package.json`)), file);
const KEY = 'e2e-pseudonym-key-0123456789abcdef';
const SERVER = 2;

async function login(app, body, query = '') {
  const response = await fetch(`${app.url}/login${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return (await response.json()).token;
}

async function get(app, path, token) {
  const response = await fetch(app.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await response.arrayBuffer();
  return response.status;
}

/** The server span for a path and status, its child spans, and the log records of its trace. */
function requestTelemetry(receiver, path, status) {
  const server = receiver.spans.find(
    (s) =>
      s.kind === SERVER && s.attributes['url.path'] === path && s.attributes['http.response.status_code'] === status,
  );
  assert.ok(server, `server span for ${path} ${status}`);
  const children = receiver.spans.filter((s) => s.parentSpanId === server.spanId);
  const records = receiver.logRecords.filter((r) => r.traceId === server.traceId);
  return { server, children, records };
}

function assertCoreTelemetry(receiver, { library, alg, sub, serviceName }) {
  assert.deepEqual(receiver.rejected, [], 'every payload passed strict validation');
  const valid = requestTelemetry(receiver, '/orders', 200);
  // The request's successful verify has no span of its own: the server span has its facts, the jwt.request record carries it.
  assert.equal(
    valid.children.find((s) => s.name === 'jwt.verify'),
    undefined,
    "no jwt.verify span for the request's own successful verify",
  );
  assert.equal(
    valid.records.find((r) => r.eventName === 'jwt.verify'),
    undefined,
    'no jwt.verify record of its own',
  );
  const requestRecord = valid.records.find((r) => r.eventName === 'jwt.request');
  assert.equal(requestRecord.spanId, valid.server.spanId, 'the jwt.request record points at the server span');
  assert.equal(requestRecord.severityNumber, 9);
  assert.equal(requestRecord.resource['service.name'], serviceName);
  assert.equal(requestRecord.attributes['jwt.operation'], 'verify');
  assert.equal(requestRecord.attributes['jwt.library'], library);
  assert.equal(requestRecord.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(requestRecord.attributes['jwt.header.alg'], alg);
  assert.equal(requestRecord.attributes['jwt.claims.iss'], 'https://idp.orders.example');
  assert.equal(requestRecord.attributes['enduser.pseudo.id'], pseudonym(sub, KEY));
  assert.equal(valid.server.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(valid.server.attributes['jwt.authz.outcome'], 'allowed');

  const expired = requestTelemetry(receiver, '/orders', 401);
  assert.equal(expired.server.attributes['jwt.validation.reason'], 'expired');
  assert.equal(expired.children.find((s) => s.name === 'jwt.verify').status.code, 2, 'ERROR');

  const decoded = requestTelemetry(receiver, '/profile', 200);
  assert.deepEqual(decoded.server.attributes['jwt.findings'], ['unverified_bearer']);

  const points = receiver.metricPoints.filter(
    (p) =>
      p.name === 'jwt.operation.duration' &&
      p.attributes['jwt.operation'] === 'verify' &&
      p.attributes['jwt.validation.outcome'] === 'valid',
  );
  assert.ok(points.length > 0 && points.at(-1).count >= 1, 'a jwt.operation.duration point for the valid verify');
  assert.equal(points.at(-1).type, 'histogram');
  assert.equal(points.at(-1).unit, 's');
}

for (const protocol of ['http/json', 'http/protobuf']) {
  describe(`OTLP ${protocol}`, () => {
    test('ESM app, node --import @tokentrail/register: express 5 + jose RS256', async () => {
      const receiver = await startReceiver();
      const app = await runApp(exampleApp('express-jose', 'app.mjs'), {
        endpoint: receiver.endpoint,
        protocol,
        env: { OTEL_SERVICE_NAME: 'orders-esm', TOKENTRAIL_PSEUDONYM_KEY: KEY },
      });
      try {
        const token = await login(app, { sub: 'alice' });
        const expired = await login(app, { sub: 'bob', expiresIn: Math.floor(Date.now() / 1000) - 30 });
        assert.equal(await get(app, '/orders', token), 200);
        assert.equal(await get(app, '/orders', expired), 401);
        assert.equal(await get(app, '/profile', token), 200);
        const { signal, code } = await app.stop('SIGTERM');
        assert.equal(
          code,
          0,
          `the app's own SIGTERM handler still ran (exit ${code ?? signal}):\n${app.output().stderr}`,
        );
        await receiver.waitFor(
          (r) =>
            r.metricPoints.some((p) => p.name === 'jwt.operation.duration') &&
            r.logRecords.some((l) => l.eventName === 'jwt.request'),
        );
        assertCoreTelemetry(receiver, { library: 'jose', alg: 'RS256', sub: 'alice', serviceName: 'orders-esm' });
        const leaks = new LeakScanner();
        for (const t of [token, expired]) leaks.registerToken(t);
        leaks.assertClean({
          spans: receiver.spans,
          logRecords: receiver.logRecords,
          metricPoints: receiver.metricPoints,
        });
        const everything = receiver.accepted.map((a) => JSON.stringify(a.body)).join('\n');
        for (const part of [token, ...token.split('.')])
          assert.equal(everything.includes(part), false, 'no token or segment in any raw payload');
      } finally {
        await app.stop();
        await receiver.close();
      }
    });

    test('CommonJS app, node --require @tokentrail/register: koa 3 + jsonwebtoken HS256', async () => {
      const receiver = await startReceiver();
      const app = await runApp(exampleApp('koa-jsonwebtoken', 'app.cjs'), {
        flag: '--require',
        endpoint: receiver.endpoint,
        protocol,
        env: { OTEL_SERVICE_NAME: 'orders-cjs', TOKENTRAIL_PSEUDONYM_KEY: KEY },
      });
      try {
        const token = await login(app, undefined, '?sub=carol');
        const expired = await login(app, undefined, '?sub=dave&expiresIn=-30');
        assert.equal(await get(app, '/orders', token), 200);
        assert.equal(await get(app, '/orders', expired), 401);
        assert.equal(await get(app, '/profile', token), 200);
        await app.stop('SIGTERM');
        await receiver.waitFor(
          (r) =>
            r.metricPoints.some((p) => p.name === 'jwt.operation.duration') &&
            r.logRecords.some((l) => l.eventName === 'jwt.request'),
        );
        assertCoreTelemetry(receiver, {
          library: 'jsonwebtoken',
          alg: 'HS256',
          sub: 'carol',
          serviceName: 'orders-cjs',
        });
      } finally {
        await app.stop();
        await receiver.close();
      }
    });
  });
}

describe('shutdown', () => {
  test('SIGTERM during load: every request answered before the signal has its spans and log records at the receiver', async () => {
    const receiver = await startReceiver();
    // Nothing is exported on a timer during the test: only the flush at SIGTERM and at exit can deliver it.
    const app = await runApp(exampleApp('express-jose', 'app.mjs'), {
      endpoint: receiver.endpoint,
      env: {
        TOKENTRAIL_PSEUDONYM_KEY: KEY,
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_BLRP_SCHEDULE_DELAY: '60000',
        OTEL_BSP_MAX_QUEUE_SIZE: '100000',
        OTEL_BLRP_MAX_QUEUE_SIZE: '100000',
      },
    });
    try {
      const users = Array.from({ length: 40 }, (_, i) => `load-user-${i}`);
      const tokens = await Promise.all(users.map((sub) => login(app, { sub })));
      const answered = [];
      let signalledAt = Infinity;
      let stopping = false;
      const worker = async (w) => {
        for (let i = w; !stopping; i += 10) {
          const sub = users[i % users.length];
          try {
            const status = await get(app, '/orders', tokens[i % users.length]);
            answered.push({ sub, status, at: performance.now() });
          } catch {
            return; // the server has closed
          }
        }
      };
      const workers = Array.from({ length: 10 }, (_, w) => worker(w));
      // The signal comes under load: once at least 50 requests were answered (however long a busy machine takes).
      const loadedBy = performance.now() + 60_000;
      while (answered.filter((a) => a.status === 200).length < 50 && performance.now() < loadedBy)
        await new Promise((r) => setTimeout(r, 20));
      signalledAt = performance.now();
      const exit = app.stop('SIGTERM');
      stopping = true;
      await Promise.all(workers);
      await exit;
      const before = answered.filter((a) => a.at < signalledAt && a.status === 200);
      assert.ok(before.length >= 50, `load was sent before the signal (${before.length} requests)`);
      const expected = new Map();
      for (const { sub } of before) expected.set(sub, (expected.get(sub) ?? 0) + 1);
      await receiver.waitFor((r) => r.logRecords.filter((l) => l.eventName === 'jwt.request').length >= before.length, {
        timeoutMs: 15_000,
      });
      for (const [sub, count] of expected) {
        const id = pseudonym(sub, KEY);
        const spans = receiver.spans.filter(
          (s) =>
            s.kind === SERVER &&
            s.attributes['enduser.pseudo.id'] === id &&
            s.attributes['http.response.status_code'] === 200,
        );
        const records = receiver.logRecords.filter(
          (r) => r.eventName === 'jwt.request' && r.attributes['enduser.pseudo.id'] === id,
        );
        const verifies = receiver.logRecords.filter(
          (r) =>
            (r.eventName === 'jwt.verify' || r.eventName === 'jwt.request') &&
            r.attributes['jwt.operation'] === 'verify' &&
            r.attributes['enduser.pseudo.id'] === id,
        );
        assert.ok(spans.length >= count, `${sub}: ${spans.length} server spans for ${count} answered requests`);
        assert.ok(
          records.length >= count,
          `${sub}: ${records.length} jwt.request records for ${count} answered requests`,
        );
        assert.ok(verifies.length >= count, `${sub}: ${verifies.length} verify records for ${count} answered requests`);
      }
      assert.deepEqual(receiver.rejected, []);
    } finally {
      await app.stop();
      await receiver.close();
    }
  });

  test('SIGTERM with no handler in the app: telemetry is flushed and the process still dies of the signal', async () => {
    const receiver = await startReceiver();
    const app = await runApp(
      join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'no-signal-handler-app.mjs'),
      {
        endpoint: receiver.endpoint,
        env: { TOKENTRAIL_PSEUDONYM_KEY: KEY, OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000' },
      },
    );
    assert.equal(await get(app, '/verify', 'not-a-jwt-but-a-bearer'), 401);
    const { code, signal } = await app.stop('SIGTERM');
    assert.equal(signal, 'SIGTERM', `killed by the signal, as without tokentrail (exit code ${code})`);
    await receiver.waitFor((r) => r.spans.some((s) => s.name === 'jwt.verify'), { timeoutMs: 5_000 });
    await receiver.close();
  });
});
