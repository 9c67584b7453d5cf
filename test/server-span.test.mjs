/**
 * A verify inside an HTTP request writes its outcome on the server span that instrumentation-http created; a
 * successful verify of the request's token has no span of its own unless `requestVerifySpans` asks for one, a
 * failed one has, and either is that server span's child.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, pseudonym } from './support/jwt-fixtures.mjs';
import { LeakScanner } from './support/leak-scanner.mjs';

const telemetry = setupTelemetry();
new HttpInstrumentation();
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
telemetry.addSpanProcessor(instrumentation.spanProcessor());
const require = createRequire(import.meta.url);
const http = require('node:http');
const jwt = require('jsonwebtoken');
const secret = 'server-span-secret-server-span-0123';
telemetry.leaks.register(secret, 'HMAC secret');
telemetry.leaks.register(PERSONAL.email, 'email claim');

const server = http.createServer((req, res) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  try {
    jwt.verify(token, secret, { issuer: 'https://idp.example.test' });
    res.writeHead(200).end('ok');
  } catch {
    res.writeHead(401).end('no');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

async function request(token) {
  telemetry.reset();
  const response = await fetch(`http://127.0.0.1:${port}/orders/17`, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  // The server span ends when the response finishes; give the processor a turn.
  for (let i = 0; i < 50 && !telemetry.spans().some((s) => s.kind === 1); i += 1)
    await new Promise((r) => setTimeout(r, 10));
  const serverSpan = telemetry.spans().find((s) => s.kind === 1);
  const verifySpan = telemetry.spans().find((s) => s.name === 'jwt.verify');
  return { status: response.status, serverSpan, verifySpan };
}

test('valid token: outcome, pseudonymous user, roles and issuer on the server span', async () => {
  const token = jwt.sign(
    { ...PERSONAL, roles: ['reader'], iss: 'https://idp.example.test', exp: nowSeconds() + 60 },
    secret,
  );
  const { status, serverSpan, verifySpan } = await request(token);
  assert.equal(status, 200);
  assert.equal(verifySpan, undefined, 'the verify is told by the server span and the jwt.request record');
  assert.equal(serverSpan.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(serverSpan.attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
  assert.deepEqual(serverSpan.attributes['user.roles'], ['reader']);
  assert.equal(serverSpan.attributes['jwt.claims.iss'], 'https://idp.example.test');
  assert.equal(serverSpan.attributes['jwt.validation.reason'], undefined);
});

test('requestVerifySpans: the successful verify also has its jwt.verify span, a child of the server span', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, requestVerifySpans: true });
  try {
    const token = jwt.sign({ ...PERSONAL, iss: 'https://idp.example.test', exp: nowSeconds() + 60 }, secret);
    const { status, serverSpan, verifySpan } = await request(token);
    assert.equal(status, 200);
    assert.equal(verifySpan.parentSpanContext.spanId, serverSpan.spanContext().spanId);
    assert.equal(verifySpan.attributes['jwt.validation.outcome'], 'valid');
  } finally {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  }
});

test('expired token: invalid with its reason on the server span, and no token in any span', async () => {
  const token = jwt.sign({ ...PERSONAL, iss: 'https://idp.example.test', exp: nowSeconds() - 60 }, secret);
  const { status, serverSpan, verifySpan } = await request(token);
  assert.equal(status, 401);
  assert.equal(verifySpan.parentSpanContext.spanId, serverSpan.spanContext().spanId, 'a failed verify has its span');
  assert.equal(verifySpan.attributes['jwt.validation.reason'], 'expired');
  assert.equal(serverSpan.attributes['jwt.validation.outcome'], 'invalid');
  assert.equal(serverSpan.attributes['jwt.validation.reason'], 'expired');
  const leaks = new LeakScanner();
  leaks.registerToken(token);
  leaks.register(PERSONAL.sub, 'raw sub');
  leaks.assertClean({ spans: telemetry.spans(), logRecords: telemetry.logRecords() });
});

test.after(() => server.close());
