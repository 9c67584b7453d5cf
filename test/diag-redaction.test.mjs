/**
 * diag is redacted by value as well as by shape: a user hook (verifyHook, signHook, isRevoked) whose error
 * quotes the e-mail, the `sub`, the name, the token or the request's other credentials logs none of them,
 * and a token whose JSON segments begin with white space (jsonwebtoken accepts it) is caught by shape.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY } from './support/jwt-fixtures.mjs';

const logged = [];
const capture = (...args) => logged.push(args.map(String).join(' '));
diag.setLogger(
  { error: capture, warn: capture, info: capture, debug: capture, verbose: capture },
  { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true },
);
const telemetry = setupTelemetry();
const base = { pseudonymKey: PSEUDONYM_KEY, tokenSources: { cookies: ['session'] } };
const instrumentation = new JwtInstrumentation(base);
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const jose = await import('jose');
const secret = `diag-secret-${randomBytes(12).toString('hex')}`;
telemetry.leaks.register(secret, 'HMAC secret');
const claims = { ...PERSONAL, iss: 'https://idp.example.test' };
const token = jwt.sign(claims, secret);
telemetry.leaks.registerToken(token);

/** An HS256 token whose header and payload JSON start with a space: jsonwebtoken parses it all the same. */
function spacedToken(payload) {
  const input = `${Buffer.from(' {"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(` ${JSON.stringify(payload)}`).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const quote = (t = token) => `cannot handle ${claims.email} / ${claims.sub} / ${claims.name} holding ${t}`;
const personal = (t = token) => [claims.email, claims.sub, claims.name, t, ...t.split('.')];

function assertClean(text, values, what) {
  for (const value of values) assert.ok(!text.includes(value), `${what}: diag does not log ${value.slice(0, 14)}…`);
}

async function diagOf(config, fn) {
  instrumentation.setConfig({ ...base, ...config });
  logged.length = 0;
  await fn();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return logged.join('\n');
}

test('a verifyHook error quoting the e-mail, sub, name and token logs none of them', async () => {
  const text = await diagOf(
    {
      verifyHook: () => {
        throw new Error(quote());
      },
    },
    () => jwt.verify(token, secret),
  );
  assert.match(text, /hook threw[\s\S]*Error: cannot handle REDACTED/);
  assertClean(text, personal(), 'verifyHook');
  assert.match(text, /diag-redaction\.test\.mjs:\d+/, 'the stack keeps its file paths');
});

test('a signHook error, and an isRevoked that throws or rejects, quoting them log none of them', async () => {
  const signed = await diagOf(
    {
      signHook: (_span, info) => {
        throw new Error(`${quote()} ${JSON.stringify(info.claims)}`);
      },
    },
    () => jwt.sign(claims, secret, { noTimestamp: true }),
  );
  assertClean(signed, personal(), 'signHook');
  assert.match(signed, /hook threw/);
  const thrown = await diagOf(
    {
      isRevoked: (c) => {
        throw new Error(`revocation store down for ${c.email} ${c.sub} ${c.name}`);
      },
    },
    () => jwt.verify(token, secret),
  );
  assert.match(thrown, /isRevoked check threw/);
  assertClean(thrown, personal(), 'isRevoked (throws)');
  const rejected = await diagOf(
    {
      isRevoked: async (c) => {
        throw new Error(`revocation store down for ${c.email} ${c.sub} ${c.name}`);
      },
    },
    () => jose.jwtVerify(token, new TextEncoder().encode(secret)),
  );
  assert.match(rejected, /isRevoked check rejected/);
  assertClean(rejected, personal(), 'isRevoked (rejects)');
});

test("a hook error quoting the request's other credential (an opaque session cookie) logs none of it", async () => {
  const session = `opaque-session-${randomBytes(16).toString('hex')}`;
  telemetry.leaks.register(session, 'session cookie');
  const server = http.createServer((req, res) => {
    try {
      jwt.verify(req.headers.authorization.slice(7), secret);
      res.end('ok');
    } catch {
      res.writeHead(401).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const text = await diagOf(
      {
        verifyHook: () => {
          throw new Error(`${quote()} cookie ${session}`);
        },
      },
      async () => {
        const response = await fetch(`http://127.0.0.1:${server.address().port}/orders`, {
          headers: { authorization: `Bearer ${token}`, cookie: `session=${session}` },
        });
        assert.equal(response.status, 200);
      },
    );
    assert.match(text, /hook threw/);
    assertClean(text, [...personal(), session], 'request');
  } finally {
    server.close();
  }
});

test('a token whose JSON segments begin with a space is redacted by shape, held or not', async () => {
  const spaced = spacedToken({ sub: 'spaced-user', iat: 1 });
  const other = spacedToken({ sub: 'another-user', iat: 2 });
  telemetry.leaks.registerToken(spaced);
  assert.deepEqual(jwt.verify(spaced, secret), { sub: 'spaced-user', iat: 1 }, 'jsonwebtoken accepts it');
  const text = await diagOf(
    {
      verifyHook: () => {
        throw new TypeError(`mismatch between ${spaced} and ${other}`);
      },
    },
    () => jwt.verify(spaced, secret),
  );
  assert.match(text, /TypeError: mismatch between REDACTED and REDACTED/);
  assertClean(text, [other, ...other.split('.')], 'an unheld spaced token');
});
