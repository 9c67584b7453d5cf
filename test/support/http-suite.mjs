/**
 * Per-request audit outcomes over real servers and a real client on loopback, for node:http, express 5,
 * fastify 5 and koa 3, run once with instrumentation-http registered and once without.
 */
import './esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './telemetry.mjs';
import { PSEUDONYM_KEY, nowSeconds, pseudonym } from './jwt-fixtures.mjs';
import { authenticator, frameworks, startHttps } from './http-apps.mjs';
import { LeakScanner } from './leak-scanner.mjs';

export async function runHttpSuite({ withInstrumentationHttp }) {
  const telemetry = setupTelemetry();
  if (withInstrumentationHttp) {
    new HttpInstrumentation({
      headersToSpanAttributes: { server: { requestHeaders: ['authorization', 'cookie', 'x-api-token'] } },
      // The request target exactly as sent, as the old HTTP conventions' http.target had it.
      requestHook: (span, request) => request.url !== undefined && span.setAttribute('http.target', request.url),
    });
  }
  const instrumentation = new JwtInstrumentation({
    pseudonymKey: PSEUDONYM_KEY,
    tokenSources: { cookies: ['session'], headers: ['x-api-token'] },
  });
  telemetry.addSpanProcessor(instrumentation.spanProcessor());
  const require = createRequire(import.meta.url);
  const http = require('node:http');
  const jwt = require('jsonwebtoken');
  const jose = await import('jose');
  const secret = randomBytes(24).toString('hex');
  telemetry.leaks.register(secret, 'HMAC secret');
  const mint = (sub, exp = nowSeconds() + 300) => {
    const token = jwt.sign({ sub, iss: 'https://idp.example.test', roles: ['reader'], exp }, secret);
    telemetry.leaks.registerToken(token);
    return token;
  };

  /** Sends one request and waits until its server span and its jwt.request record are exported. */
  async function call(port, path, headers = {}) {
    telemetry.reset();
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
    await response.text();
    // Without instrumentation-http, only requests that carry a credential get a server span (tokentrail's).
    const expectServerSpan = withInstrumentationHttp || Object.keys(headers).length > 0 || path.includes('?');
    let serverSpan;
    for (let i = 0; i < 200 && !serverSpan && expectServerSpan; i += 1) {
      serverSpan = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
      if (!serverSpan) await new Promise((r) => setTimeout(r, 5));
    }
    const records = telemetry.logRecords();
    const record = records.find((r) => r.eventName === 'jwt.request');
    return { status: response.status, serverSpan, record, records, spans: telemetry.spans() };
  }

  const JWT_KEYS = [
    'jwt.validation.outcome',
    'jwt.validation.reason',
    'jwt.authz.outcome',
    'jwt.findings',
    'enduser.pseudo.id',
    'jwt.token.fingerprint',
  ];
  // The request's own findings; the token's (missing_jti, …) come with the verify the request carries.
  const REQUEST_FINDINGS = ['unverified_bearer', 'scope_insufficient', 'scope_denied_despite_grant'];
  function jwtAttributes(attributes) {
    const picked = Object.fromEntries(
      JWT_KEYS.filter((k) => attributes[k] !== undefined).map((k) => [k, attributes[k]]),
    );
    const findings = picked['jwt.findings']?.filter((f) => REQUEST_FINDINGS.includes(f));
    if (findings?.length) picked['jwt.findings'] = findings;
    else delete picked['jwt.findings'];
    return picked;
  }

  const mode = withInstrumentationHttp ? 'with instrumentation-http' : 'without instrumentation-http';
  for (const [name, start] of Object.entries(frameworks)) {
    for (const library of name === 'koa' || name === 'node:http' ? ['jsonwebtoken'] : ['jose']) {
      describe(`${name} (${library}, ${mode})`, () => {
        let app;
        before(async () => {
          app = await start({ http, require }, authenticator({ jose, jwt, secret, library }));
        });
        after(() => app.close());

        function assertOutcome({ status, serverSpan, record, records, spans }, expectedStatus, expected) {
          assert.equal(status, expectedStatus);
          if (Object.keys(expected).length === 0) {
            assert.equal(record, undefined, 'no jwt.request record without a token');
            for (const span of spans)
              assert.deepEqual(jwtAttributes(span.attributes), {}, `no JWT attributes on ${span.name}`);
            if (withInstrumentationHttp) assert.ok(serverSpan, 'instrumentation-http still made its server span');
            else assert.equal(serverSpan, undefined, 'tokentrail makes no server span for a request without a token');
            return;
          }
          assert.ok(serverSpan, 'a server span was exported');
          if (!withInstrumentationHttp)
            assert.equal(
              serverSpan.instrumentationScope.name,
              '@tokentrail/instrumentation-jwt',
              "tokentrail's own server span",
            );
          assert.deepEqual(jwtAttributes(serverSpan.attributes), expected, 'server span');
          assert.deepEqual(jwtAttributes(record.attributes), expected, 'jwt.request log record');
          assert.equal(record.attributes['http.response.status_code'], expectedStatus);
          assert.equal(record.attributes['http.request.method'], 'GET');
          assert.equal(
            record.spanContext.spanId,
            serverSpan.spanContext().spanId,
            'the record points at the server span',
          );
          // A request that verified its token once has one audit record: its jwt.request carries the verify. One that
          // only decoded it carries the decode, unless the decode raised new findings and has its own record.
          const verified = expected['jwt.validation.outcome'] !== 'unverified';
          const ownDecodes = records.filter((r) => r.eventName === 'jwt.decode').length;
          if (verified)
            assert.equal(record.attributes['jwt.operation'], 'verify', 'the jwt.request record carries the verify');
          else
            assert.deepEqual(
              [record.attributes['jwt.operation'], ownDecodes],
              ownDecodes === 0 ? ['decode', 0] : [undefined, 1],
              'the decode is told once: by the jwt.request record or by its own',
            );
          assert.deepEqual(
            record.attributes['jwt.findings'] ?? [],
            serverSpan.attributes['jwt.findings'] ?? [],
            'the server span has the same findings',
          );
          assert.equal(
            records.filter((r) => r.eventName === 'jwt.verify').length,
            0,
            'no jwt.verify record of its own',
          );
          for (const child of spans.filter((s) => s.name.startsWith('jwt.'))) {
            assert.equal(
              child.parentSpanContext?.spanId,
              serverSpan.spanContext().spanId,
              `${child.name} is a child of the server span`,
            );
          }
        }

        test('valid token → valid, allowed', async () => {
          const token = mint('user-valid');
          const result = await call(app.port, '/orders/1', { authorization: `Bearer ${token}` });
          assertOutcome(result, 200, {
            'jwt.validation.outcome': 'valid',
            'jwt.authz.outcome': 'allowed',
            'enduser.pseudo.id': pseudonym('user-valid'),
            'jwt.token.fingerprint': pseudonym(token),
          });
          assert.equal(result.record.attributes['jwt.token.source'], 'authorization');
        });

        test('expired token → invalid, expired, rejected', async () => {
          const token = mint('user-expired', nowSeconds() - 60);
          assertOutcome(await call(app.port, '/orders/2', { authorization: `Bearer ${token}` }), 401, {
            'jwt.validation.outcome': 'invalid',
            'jwt.validation.reason': 'expired',
            'jwt.authz.outcome': 'rejected',
            'enduser.pseudo.id': pseudonym('user-expired'),
            'jwt.token.fingerprint': pseudonym(token),
          });
        });

        test('valid token answered 403 → valid, denied', async () => {
          const token = mint('user-denied');
          assertOutcome(await call(app.port, '/admin', { authorization: `Bearer ${token}` }), 403, {
            'jwt.validation.outcome': 'valid',
            'jwt.authz.outcome': 'denied',
            'enduser.pseudo.id': pseudonym('user-denied'),
            'jwt.token.fingerprint': pseudonym(token),
          });
        });

        test('token only decoded → unverified, finding unverified_bearer', async () => {
          const token = mint('user-decoded');
          assertOutcome(await call(app.port, '/profile', { authorization: `Bearer ${token}` }), 200, {
            'jwt.validation.outcome': 'unverified',
            'jwt.authz.outcome': 'allowed',
            'jwt.findings': ['unverified_bearer'],
            'enduser.pseudo.id': pseudonym('user-decoded'),
            'jwt.token.fingerprint': pseudonym(token),
          });
        });

        test('no token → no JWT attributes', async () => {
          assertOutcome(await call(app.port, '/orders/3'), 401, {});
        });
      });
    }
  }

  describe(`node:https (${mode})`, () => {
    test('valid and expired tokens over TLS get their outcomes on the server span', async () => {
      const app = await startHttps({ require }, authenticator({ jose, jwt, secret, library: 'jsonwebtoken' }));
      try {
        for (const [token, status, outcome] of [
          [mint('tls-user'), 200, 'valid'],
          [mint('tls-user', nowSeconds() - 5), 401, 'invalid'],
        ]) {
          telemetry.reset();
          assert.equal(await app.get('/orders/9', { authorization: `Bearer ${token}` }), status);
          let serverSpan;
          for (let i = 0; i < 200 && !serverSpan; i += 1) {
            serverSpan = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
            if (!serverSpan) await new Promise((r) => setTimeout(r, 5));
          }
          assert.equal(serverSpan.attributes['jwt.validation.outcome'], outcome);
          assert.equal(serverSpan.attributes['enduser.pseudo.id'], pseudonym('tls-user'));
          const record = telemetry.logRecords().find((r) => r.eventName === 'jwt.request');
          assert.equal(record.attributes['url.scheme'], 'https');
        }
      } finally {
        await app.close();
      }
    });
  });

  describe(`tokens in header, cookie and query string (${mode})`, () => {
    test('no exported span, log record or metric contains a token or any of its segments', async () => {
      const app = await frameworks.express({ http, require }, authenticator({ jose, jwt, secret, library: 'jose' }));
      try {
        const leaks = new LeakScanner();
        const tokens = ['header', 'cookie', 'query', 'custom-header'].map((where) => mint(`user-${where}`));
        for (const [i, token] of tokens.entries()) leaks.registerToken(token, `token ${i}`);
        const exported = { spans: [], logRecords: [], metricPoints: [] };
        for (const [path, headers] of [
          ['/orders/1', { authorization: `Bearer ${tokens[0]}` }],
          ['/orders/2', { cookie: `theme=dark; session=${tokens[1]}` }],
          [`/orders/3?page=2&access_token=${tokens[2]}`, {}],
          ['/orders/4', { 'x-api-token': tokens[3] }],
        ]) {
          const { spans } = await call(app.port, path, headers);
          exported.spans.push(...spans);
          exported.logRecords.push(...telemetry.logRecords());
        }
        exported.metricPoints = await telemetryMetricPoints(telemetry);
        const scanned = leaks.assertClean(exported);
        assert.ok(scanned > 50);
        const querySpan = exported.spans.find(
          (s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/orders/3',
        );
        if (withInstrumentationHttp) assert.match(querySpan.attributes['url.query'], /access_token=REDACTED/);
        const cookieRecord = exported.logRecords.find(
          (r) => r.eventName === 'jwt.request' && r.attributes['jwt.token.source'] === 'cookie',
        );
        assert.equal(cookieRecord.attributes['jwt.token.fingerprint'], pseudonym(tokens[1]));
      } finally {
        await app.close();
      }
    });
  });

  describe(`edge cases (${mode})`, () => {
    test('pipelined requests on one connection each get their own outcome, and neither token leaks', async () => {
      const app = await frameworks['node:http'](
        { http, require },
        authenticator({ jose, jwt, secret, library: 'jsonwebtoken' }),
      );
      try {
        telemetry.reset();
        const [first, second] = [mint('pipelined-1'), mint('pipelined-2')];
        const net = require('node:net');
        await new Promise((resolve, reject) => {
          const socket = net.connect(app.port, '127.0.0.1', () => {
            socket.write(
              `GET /orders/1?access_token=${first} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\n\r\n` +
                `GET /orders/2?access_token=${second} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${second}\r\nConnection: close\r\n\r\n`,
            );
          });
          socket.resume();
          socket.on('end', resolve).on('error', reject);
        });
        let records = [];
        for (let i = 0; i < 200 && records.length < 2; i += 1) {
          records = telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');
          if (records.length < 2) await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise((r) => setTimeout(r, 50));
        const servers = telemetry.spans().filter((s) => s.kind === SpanKind.SERVER);
        for (const [path, sub] of [
          ['/orders/1', 'pipelined-1'],
          ['/orders/2', 'pipelined-2'],
        ]) {
          const span = servers.find((s) => s.attributes['url.path'] === path);
          assert.equal(span.attributes['enduser.pseudo.id'], pseudonym(sub), `${path} carries its own user`);
          const record = records.find((r) => r.attributes['url.path'] === path);
          assert.equal(record.spanContext.spanId, span.spanContext().spanId, `${path}'s record points at its own span`);
        }
        const leaks = new LeakScanner();
        leaks.registerToken(first, 'first token');
        leaks.registerToken(second, 'second token');
        leaks.assertClean({ spans: telemetry.spans(), logRecords: telemetry.logRecords() });
      } finally {
        await app.close();
      }
    });

    test('a request aborted before the app read its token: its server span is scrubbed and its record points at it', async () => {
      let received;
      const arrived = new Promise((resolve) => (received = resolve));
      const server = http.createServer(() => received()); // never answers
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        telemetry.reset();
        const token = mint('aborted');
        const net = require('node:net');
        const socket = net.connect(server.address().port, '127.0.0.1', () => {
          socket.write(
            `GET /slow?page=1&access_token=${token} HTTP/1.1\r\nHost: x\r\nCookie: theme=dark; sid=opaque-session-0123456789\r\n\r\n`,
          );
        });
        await arrived;
        socket.destroy();
        let record;
        for (let i = 0; i < 200 && !record; i += 1) {
          record = telemetry.logRecords().find((r) => r.eventName === 'jwt.request');
          if (!record) await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(record, 'the aborted request has its jwt.request record');
        assert.equal(record.attributes['jwt.token.source'], 'query');
        let span;
        for (let i = 0; i < 200 && !span; i += 1) {
          span = telemetry.spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/slow');
          if (!span) await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(span, 'the server span was exported');
        assert.equal(record.spanContext.spanId, span.spanContext().spanId, 'the record points at the server span');
        if (withInstrumentationHttp) {
          assert.equal(span.attributes['url.query'], 'page=1&access_token=REDACTED');
          assert.deepEqual(
            span.attributes['http.request.header.cookie'],
            ['REDACTED'],
            'a captured Cookie header is replaced whole',
          );
        }
        const leaks = new LeakScanner();
        leaks.registerToken(token, 'aborted token');
        leaks.register('opaque-session-0123456789', 'another cookie');
        leaks.assertClean({ spans: telemetry.spans(), logRecords: telemetry.logRecords() });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test('tokens in encoded query strings are found and scrubbed', async () => {
      const app = await frameworks.express({ http, require }, authenticator({ jose, jwt, secret, library: 'jose' }));
      try {
        const leaks = new LeakScanner();
        const tokens = [mint('encoded-1'), mint('encoded-2'), mint('encoded-3')];
        for (const [i, t] of tokens.entries()) leaks.registerToken(t, `token ${i}`);
        const exported = { spans: [], logRecords: [] };
        // The third encodes one of the token's own characters: its written form is not the token.
        const percentEncoded = `%${tokens[2].charCodeAt(0).toString(16).toUpperCase()}${tokens[2].slice(1)}`;
        for (const query of [
          `access_token=Bearer%20${tokens[0]}`,
          `access_toke%6E=${tokens[1]}`,
          `page=2&access_token=${percentEncoded}`,
        ]) {
          const { spans, record } = await call(app.port, `/orders/7?${query}`);
          assert.equal(
            record?.attributes['jwt.token.source'],
            'query',
            `the token in ?${query.slice(0, 20)}… was found`,
          );
          const server = spans.find((span) => span.kind === SpanKind.SERVER);
          if (withInstrumentationHttp) {
            assert.match(server.attributes['url.query'], /access_toke(n|%6E)=(Bearer(\+|%20))?REDACTED$/);
            assert.match(server.attributes['http.target'], /^\/orders\/7\?.*access_toke(n|%6E)=(Bearer%20)?REDACTED$/);
          }
          exported.spans.push(...spans);
          exported.logRecords.push(...telemetry.logRecords());
        }
        leaks.assertClean(exported);
      } finally {
        await app.close();
      }
    });

    test('a Basic credential alongside a JWT the app verifies from elsewhere: no empty request record, the verify is still on the span', async () => {
      const app = await frameworks['node:http'](
        { http, require },
        {
          verify: async () => {
            try {
              jwt.verify(mint('body-token-user'), secret);
              return true;
            } catch {
              return false;
            }
          },
          decode: () => ({}),
        },
      );
      try {
        const { serverSpan, record, spans } = await call(app.port, '/orders/8', {
          authorization: 'Basic dXNlcjpwYXNzd29yZA==',
        });
        assert.equal(record, undefined, 'no jwt.request record: the request carried no JWT');
        if (withInstrumentationHttp) {
          assert.equal(
            serverSpan.attributes['jwt.validation.outcome'],
            'valid',
            'the verify result is copied as it happens',
          );
          assert.equal(serverSpan.attributes['enduser.pseudo.id'], pseudonym('body-token-user'));
        } else {
          assert.equal(
            serverSpan,
            undefined,
            'without instrumentation-http there is no server span for a request without a JWT',
          );
          assert.equal(spans.find((s) => s.name === 'jwt.verify').attributes['jwt.validation.outcome'], 'valid');
        }
      } finally {
        await app.close();
      }
    });
  });

  describe(`concurrency (${mode})`, () => {
    test('200 interleaved requests with different tokens: each server span carries its own pseudonym', async () => {
      const app = await frameworks.fastify({ http, require }, authenticator({ jose, jwt, secret, library: 'jose' }));
      try {
        telemetry.reset();
        const subjects = Array.from({ length: 200 }, (_, i) => `concurrent-user-${i}`);
        const statuses = await Promise.all(
          subjects.map(async (sub, i) => {
            const response = await fetch(`http://127.0.0.1:${app.port}/orders/${i}`, {
              headers: { authorization: `Bearer ${mint(sub)}` },
            });
            await response.text();
            return response.status;
          }),
        );
        assert.deepEqual(new Set(statuses), new Set([200]));
        let serverSpans = [];
        for (let i = 0; i < 400 && serverSpans.length < 200; i += 1) {
          serverSpans = telemetry.spans().filter((s) => s.kind === SpanKind.SERVER);
          if (serverSpans.length < 200) await new Promise((r) => setTimeout(r, 5));
        }
        assert.equal(serverSpans.length, 200);
        for (const span of serverSpans) {
          const index = Number(span.attributes['url.path'].split('/').pop());
          assert.equal(span.attributes['enduser.pseudo.id'], pseudonym(subjects[index]), `request ${index}`);
          assert.equal(span.attributes['jwt.validation.outcome'], 'valid');
        }
        const records = telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');
        assert.equal(records.length, 200);
        for (const record of records) {
          const index = Number(record.attributes['url.path'].split('/').pop());
          assert.equal(record.attributes['enduser.pseudo.id'], pseudonym(subjects[index]));
        }
      } finally {
        await app.close();
      }
    });
  });
}

async function telemetryMetricPoints(telemetry) {
  const names = ['jwt.operation.duration', 'http.server.request.duration'];
  return (await Promise.all(names.map((name) => telemetry.metricPoints(name)))).flat();
}
