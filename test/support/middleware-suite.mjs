/**
 * The JWT middlewares applications already run, each in a real app on loopback: a valid, an expired, a
 * bad-signature and a missing token get the right per-request outcome on the server span and the right
 * `jwt.verify` child span, and every response is the same with the instrumentation enabled and disabled.
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
import { AUDIENCE, ISSUER, PSEUDONYM_KEY, nowSeconds, pseudonym } from './jwt-fixtures.mjs';
import { middlewareApps } from './middleware-apps.mjs';

/** The library each middleware verifies with. */
const LIBRARY = {
  'express-jwt': 'jsonwebtoken',
  'passport-jwt': 'jsonwebtoken',
  'koa-jwt': 'jsonwebtoken',
  '@fastify/jwt': 'fast-jwt',
  'express-oauth2-jwt-bearer': 'jose',
  'hono/jwt': 'hono',
};

const JWT_KEYS = [
  'jwt.validation.outcome',
  'jwt.validation.reason',
  'jwt.authz.outcome',
  'enduser.pseudo.id',
  'jwt.token.fingerprint',
];
const jwtAttributes = (attributes) =>
  Object.fromEntries(JWT_KEYS.filter((k) => attributes[k] !== undefined).map((k) => [k, attributes[k]]));

export async function runMiddlewareSuite({ withInstrumentationHttp }) {
  const telemetry = setupTelemetry();
  if (withInstrumentationHttp) new HttpInstrumentation();
  const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
  telemetry.addSpanProcessor(instrumentation.spanProcessor());
  const require = createRequire(import.meta.url);
  const { createSigner } = require('fast-jwt');
  const secret = randomBytes(24).toString('hex');
  const otherSecret = randomBytes(24).toString('hex');
  telemetry.leaks.register(secret, 'HMAC secret');
  telemetry.leaks.register(otherSecret, 'other HMAC secret');

  function mint(sub, { exp = nowSeconds() + 300, key = secret } = {}) {
    const token = createSigner({ key, algorithm: 'HS256' })({
      sub,
      iss: ISSUER,
      aud: AUDIENCE,
      iat: nowSeconds() - 5,
      exp,
    });
    telemetry.leaks.registerToken(token);
    return token;
  }

  /** One request; the response as the client saw it, and what was exported for it. */
  async function call(port, headers) {
    telemetry.reset();
    const response = await fetch(`http://127.0.0.1:${port}/orders`, { headers });
    const answer = {
      status: response.status,
      body: await response.text(),
      authenticate: response.headers.get('www-authenticate'),
      type: response.headers.get('content-type'),
    };
    const expectServerSpan = withInstrumentationHttp || headers.authorization !== undefined;
    let serverSpan;
    for (let i = 0; i < 200 && expectServerSpan && !serverSpan; i += 1) {
      serverSpan = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
      if (!serverSpan) await new Promise((r) => setTimeout(r, 5));
    }
    const records = telemetry.logRecords();
    return {
      answer,
      serverSpan,
      spans: telemetry.spans(),
      records,
      record: records.find((r) => r.eventName === 'jwt.request'),
    };
  }

  /** The same request with the instrumentation disabled: what the middleware does on its own. */
  async function callUninstrumented(port, headers) {
    instrumentation.disable();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/orders`, { headers });
      return {
        status: response.status,
        body: await response.text(),
        authenticate: response.headers.get('www-authenticate'),
        type: response.headers.get('content-type'),
      };
    } finally {
      instrumentation.enable();
    }
  }

  const mode = withInstrumentationHttp ? 'with instrumentation-http' : 'without instrumentation-http';
  for (const [name, start] of Object.entries(middlewareApps)) {
    const library = LIBRARY[name];
    describe(`${name} (${library}, ${mode})`, () => {
      let app;
      before(async () => {
        app = await start({ require, secret });
      });
      after(() => app?.close());

      const cases = [
        { name: 'valid token', sub: 'mw-valid', status: 200, outcome: 'valid', authz: 'allowed' },
        {
          name: 'expired token',
          sub: 'mw-expired',
          exp: nowSeconds() - 120,
          status: 401,
          outcome: 'invalid',
          reason: 'expired',
          authz: 'rejected',
        },
        {
          name: 'bad signature',
          sub: 'mw-bad-signature',
          key: otherSecret,
          status: 401,
          outcome: 'invalid',
          reason: 'signature_invalid',
          authz: 'rejected',
        },
        { name: 'missing token', status: 401 },
      ];
      for (const c of cases) {
        test(`${c.name} → ${c.outcome ?? 'no JWT attributes'}, ${c.status}, response unchanged`, async () => {
          const token = c.sub && mint(c.sub, { exp: c.exp, key: c.key });
          const headers = token ? { authorization: `Bearer ${token}` } : {};
          const { answer, serverSpan, spans, record, records } = await call(app.port, headers);
          assert.equal(answer.status, c.status, `status (body: ${answer.body})`);
          const verifies = spans.filter((s) => s.name === 'jwt.verify');
          if (!token) {
            assert.equal(record, undefined, 'no jwt.request record without a token');
            assert.deepEqual(verifies, [], 'no jwt.verify span');
            for (const span of spans)
              assert.deepEqual(jwtAttributes(span.attributes), {}, `no JWT attributes on ${span.name}`);
          } else {
            const expected = {
              'jwt.validation.outcome': c.outcome,
              ...(c.reason ? { 'jwt.validation.reason': c.reason } : {}),
              'jwt.authz.outcome': c.authz,
              'enduser.pseudo.id': pseudonym(c.sub),
              'jwt.token.fingerprint': pseudonym(token),
            };
            assert.ok(serverSpan, 'a server span was exported');
            assert.deepEqual(jwtAttributes(serverSpan.attributes), expected, 'server span');
            assert.deepEqual(jwtAttributes(record.attributes), expected, 'jwt.request record');
            // The request's one verify is carried by its jwt.request record; it has a span of its own only when it failed.
            assert.equal(record.attributes['jwt.operation'], 'verify', 'the jwt.request record carries the verify');
            assert.equal(record.attributes['jwt.library'], library);
            assert.equal(
              records.filter((r) => r.eventName === 'jwt.verify').length,
              0,
              'no jwt.verify record of its own',
            );
            assert.equal(
              verifies.length,
              c.outcome === 'valid' ? 0 : 1,
              `jwt.verify spans (got ${spans.map((s) => s.name)})`,
            );
            for (const verify of verifies) {
              assert.equal(verify.attributes['jwt.library'], library);
              assert.equal(verify.attributes['jwt.validation.outcome'], c.outcome);
              assert.equal(verify.attributes['jwt.validation.reason'], c.reason);
              assert.equal(
                verify.parentSpanContext?.spanId,
                serverSpan.spanContext().spanId,
                'jwt.verify is a child of the server span',
              );
            }
          }
          assert.deepEqual(
            await callUninstrumented(app.port, headers),
            answer,
            'the middleware answers the same without the instrumentation',
          );
        });
      }
    });
  }
}
