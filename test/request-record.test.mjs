/**
 * Every verify leaves exactly one audit record: a request that verified its token once has one `jwt.request`
 * record carrying that verify; one that verified it twice has a `jwt.verify` record for each and a
 * `jwt.request` record that carries none; a verify of another token keeps its own record. A decode of the
 * request's token is told by the request's record unless it failed or raised a new finding. The sequence of
 * the emitted records has no gap.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, pseudonym } from './support/jwt-fixtures.mjs';

const telemetry = setupTelemetry();
new HttpInstrumentation();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const require = createRequire(import.meta.url);
const http = require('node:http');
const jwt = require('jsonwebtoken');
const secret = 'request-record-secret-request-record-0123';
telemetry.leaks.register(secret, 'HMAC secret');
const other = jwt.sign({ sub: 'someone-else', exp: nowSeconds() + 60 }, secret);
telemetry.leaks.registerToken(other);

const server = http.createServer((req, res) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const query = new URL(req.url, 'http://x').searchParams;
  const times = Number(query.get('verify') ?? 1);
  try {
    for (let i = 0; i < Number(query.get('decode') ?? 0); i += 1) jwt.decode(token);
    for (let i = 0; i < times; i += 1) jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (req.url.includes('other')) jwt.verify(other, secret, { algorithms: ['HS256'] });
    res.writeHead(200).end('ok');
  } catch {
    res.writeHead(401).end('no');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

async function records(path, token) {
  telemetry.reset();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  for (let i = 0; i < 100 && !telemetry.logRecords().some((r) => r.eventName === 'jwt.request'); i += 1)
    await new Promise((r) => setTimeout(r, 10));
  const all = telemetry.logRecords();
  const seqs = all.map((r) => r.attributes['jwt.audit.seq']).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => seqs[0] + i),
    'consecutive sequence numbers',
  );
  return { status: response.status, named: (name) => all.filter((r) => r.eventName === name) };
}

let minted = 0;
// Each token its own (a claim the policy drops makes it differ): a token's findings go on its first record only.
const mint = () => {
  minted += 1;
  const token = jwt.sign({ sub: PERSONAL.sub, exp: nowSeconds() + 60, n: minted }, secret);
  telemetry.leaks.registerToken(token);
  return token;
};

test("one verify of the request's token: one jwt.request record, which carries it", async () => {
  const { status, named } = await records('/?verify=1', mint());
  assert.equal(status, 200);
  assert.equal(named('jwt.verify').length, 0);
  const [request] = named('jwt.request');
  assert.equal(named('jwt.request').length, 1);
  assert.equal(request.attributes['jwt.operation'], 'verify');
  assert.equal(request.attributes['jwt.library'], 'jsonwebtoken');
  assert.equal(request.attributes['jwt.validation.outcome'], 'valid');
  assert.equal(request.attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
});

test("two verifies of the request's token: a jwt.verify record each, and a jwt.request record that carries none", async () => {
  const { status, named } = await records('/?verify=2', mint());
  assert.equal(status, 200);
  assert.equal(named('jwt.verify').length, 2);
  const [request] = named('jwt.request');
  assert.equal(named('jwt.request').length, 1);
  assert.equal(request.attributes['jwt.operation'], undefined);
  assert.equal(request.attributes['jwt.validation.outcome'], 'valid');
});

test('a verify of another token inside the request keeps its own record', async () => {
  const { named } = await records('/other?verify=1', mint());
  const verifies = named('jwt.verify');
  assert.equal(verifies.length, 1);
  assert.equal(verifies[0].attributes['enduser.pseudo.id'], pseudonym('someone-else'));
  assert.equal(
    named('jwt.request')[0].attributes['jwt.operation'],
    'verify',
    "the request still carries its own token's verify",
  );
});

const mintWithJti = (jti) => {
  const token = jwt.sign({ sub: PERSONAL.sub, jti, exp: nowSeconds() + 60 }, secret);
  telemetry.leaks.registerToken(token);
  return token;
};
const spanNames = () => telemetry.spans().map((span) => span.name);

test("a decode of the request's token before its verify: no record or span of its own, the request's record tells both", async () => {
  const { status, named } = await records('/?decode=1&verify=1', mintWithJti('decode-then-verify'));
  assert.equal(status, 200);
  assert.equal(named('jwt.decode').length, 0);
  assert.equal(spanNames().includes('jwt.decode'), false, `spans: ${spanNames()}`);
  const [request] = named('jwt.request');
  assert.equal(named('jwt.request').length, 1);
  assert.equal(request.attributes['jwt.operation'], 'verify');
  assert.equal(request.attributes['jwt.validation.outcome'], 'valid');
});

test("a decode alone of the request's token: the jwt.request record says unverified, with the decode's facts", async () => {
  const { status, named } = await records('/?decode=1&verify=0', mintWithJti('decode-alone'));
  assert.equal(status, 200);
  assert.equal(named('jwt.decode').length, 0);
  const [request] = named('jwt.request');
  assert.equal(request.attributes['jwt.validation.outcome'], 'unverified');
  assert.deepEqual(request.attributes['jwt.findings'], ['unverified_bearer']);
  assert.equal(request.attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
  assert.equal(request.attributes['jwt.operation'], 'decode', "the record carries the decode's own attributes");
  assert.equal(request.attributes['jwt.library'], 'jsonwebtoken');
  assert.equal(request.attributes['jwt.header.alg'], 'HS256');
  assert.equal(typeof request.attributes['jwt.claims.exp'], 'number');
});

test("a decode alone that raises a finding: its own record the first time, and the finding on the request's record every time", async () => {
  const token = mint(); // no jti: the finding missing_jti
  const first = await records('/?decode=1&verify=0', token);
  assert.deepEqual(first.named('jwt.decode')[0]?.attributes['jwt.findings'], ['missing_jti']);
  const [firstRequest] = first.named('jwt.request');
  assert.equal(firstRequest.attributes['jwt.operation'], undefined, 'the decode has a record of its own');
  assert.deepEqual([...firstRequest.attributes['jwt.findings']].sort(), ['missing_jti', 'unverified_bearer']);
  const again = await records('/?decode=1&verify=0', token);
  assert.equal(again.named('jwt.decode').length, 0);
  const [request] = again.named('jwt.request');
  assert.equal(request.attributes['jwt.operation'], 'decode');
  assert.deepEqual([...request.attributes['jwt.findings']].sort(), ['missing_jti', 'unverified_bearer']);
  const serverSpan = telemetry.spans().find((span) => span.attributes['jwt.validation.outcome'] === 'unverified');
  assert.deepEqual([...serverSpan.attributes['jwt.findings']].sort(), ['missing_jti', 'unverified_bearer']);
});

test("a decode of the request's token that raises a finding keeps its own record, the first time", async () => {
  const token = mint(); // no jti: the finding missing_jti
  const first = await records('/?decode=1&verify=1', token);
  assert.deepEqual(first.named('jwt.decode')[0]?.attributes['jwt.findings'], ['missing_jti']);
  const again = await records('/?decode=1&verify=1', token);
  assert.equal(again.named('jwt.decode').length, 0, 'the finding is on an earlier record');
  assert.equal(again.named('jwt.request').length, 1);
});

test('nothing secret in any record', () => {
  telemetry.leaks.assertClean({ spans: telemetry.spans(), logRecords: telemetry.logRecords() });
});

test.after(() => server.close());
