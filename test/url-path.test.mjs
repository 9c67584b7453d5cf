/**
 * Paths that carry a token (reset and magic links) or user-info (an absolute-form request target) are exported
 * redacted: the token segment becomes REDACTED, the user-info and host of an absolute-form target are dropped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY } from './support/jwt-fixtures.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = randomBytes(32).toString('hex');
telemetry.leaks.register(secret, 'HMAC secret');
const password = `pw-${randomBytes(8).toString('hex')}`;
telemetry.leaks.register(password, 'user-info password');

const bearer = jwt.sign({ sub: 'path-test' }, secret);
const inPath = jwt.sign({ sub: 'reset-link', purpose: 'reset' }, secret);
telemetry.leaks.registerToken(bearer);
telemetry.leaks.registerToken(inPath);

const server = http.createServer((req, res) => {
  jwt.verify((req.headers.authorization ?? '').slice(7), secret);
  res.writeHead(200).end('ok');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const requests = () => telemetry.logRecords().filter((r) => r.eventName === 'jwt.request');
async function settled() {
  for (let i = 0; i < 200 && requests().length === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
  return requests().at(-1);
}

test('a token in a path segment is exported as REDACTED', async () => {
  telemetry.reset();
  const response = await fetch(`http://127.0.0.1:${port}/reset/${inPath}/confirm?step=2`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  assert.equal(response.status, 200);
  assert.equal((await settled()).attributes['url.path'], '/reset/REDACTED/confirm');
});

test('an absolute-form target exports only its path, without user-info or host', async () => {
  telemetry.reset();
  await new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET http://alice:${password}@127.0.0.1:${port}/reset/${inPath}?x=1#frag HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bearer}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.on('data', () => {});
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  assert.equal((await settled()).attributes['url.path'], '/reset/REDACTED');
});

test('a token that is only part of a segment, percent-encoded or in a matrix parameter is exported as REDACTED', async () => {
  for (const [path, expected] of [
    [`/x/prefix${inPath}suffix/end`, '/x/REDACTED/end'],
    [`/orders;jwt=${inPath}`, '/REDACTED'],
    [`/magic/%65${inPath.slice(1)}`, '/magic/REDACTED'],
    [`/e/login-${inPath}.html`, '/e/REDACTED'],
  ]) {
    telemetry.reset();
    await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal((await settled()).attributes['url.path'], expected, path.slice(0, 20));
  }
});

test('paths without a token are exported as they are', async () => {
  telemetry.reset();
  await fetch(`http://127.0.0.1:${port}/orders/v1.2/items.json`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal((await settled()).attributes['url.path'], '/orders/v1.2/items.json');
  server.close();
});
