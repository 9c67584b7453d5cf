/**
 * Never break the host: when every part of the telemetry path throws (the tracer, the logger, the histogram,
 * the user's hooks), the library's results are unchanged and each failure is reported through diag.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PSEUDONYM_KEY } from './support/jwt-fixtures.mjs';

const diagErrors = [];
diag.setLogger(
  {
    error: (...args) => diagErrors.push([args.filter((a) => typeof a === 'string').join(' ')]),
    warn() {},
    info() {},
    debug() {},
    verbose() {},
  },
  { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
);
const telemetry = setupTelemetry();
const boom = () => {
  throw new Error('telemetry backend exploded');
};
const instrumentation = new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY, verifyHook: boom, signHook: boom });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = 'fencing-secret-fencing-secret-0123';
const key = new TextEncoder().encode(secret);
telemetry.leaks.register(secret, 'HMAC secret');

async function allOperations() {
  const joseToken = await new jose.SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const verified = await jose.jwtVerify(joseToken, key);
  const rejected = await jose.jwtVerify(joseToken, key, { audience: 'x' }).catch((e) => e.code);
  const token = jwt.sign({ sub: 'u2', iat: 1 }, secret);
  const viaCallback = await new Promise((resolve) => jwt.verify(token, secret, (err, value) => resolve([err, value])));
  return [
    verified.payload,
    rejected,
    jwt.verify(token, secret),
    viaCallback,
    jwt.decode(token),
    jose.decodeJwt(joseToken),
  ];
}

/** What `run` gives with the instrumentation disabled: the libraries' own results, with no hook and no sink. */
async function uninstrumented(run) {
  instrumentation.disable();
  try {
    telemetry.reset();
    const results = await run();
    assert.equal(telemetry.spans().length, 0, 'the baseline ran without the instrumentation');
    return results;
  } finally {
    instrumentation.enable();
  }
}

test('hooks that throw: results unchanged, spans still recorded, errors reported', async () => {
  const baseline = await uninstrumented(allOperations);
  diagErrors.length = 0;
  telemetry.reset();
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, verifyHook: boom, signHook: boom });
  assert.deepEqual(await allOperations(), baseline);
  assert.ok(telemetry.spans().length >= 6, 'spans were still exported');
  assert.ok(diagErrors.some(([message]) => /hook threw/.test(message)));
});

test('tracer, logger and histogram that throw: results unchanged, nothing reaches the application', async () => {
  instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
  const baseline = await uninstrumented(allOperations);
  instrumentation.setTracerProvider({ getTracer: () => ({ startSpan: boom, startActiveSpan: boom }) });
  instrumentation.setLoggerProvider({ getLogger: () => ({ emit: boom, enabled: () => true }) });
  instrumentation.setMeterProvider({
    getMeter: () => ({ createHistogram: () => ({ record: boom }), createCounter: () => ({ add: boom }) }),
  });
  diagErrors.length = 0;
  assert.deepEqual(await allOperations(), baseline);
  assert.ok(diagErrors.length >= 6, `each failure went to diag (${diagErrors.length})`);

  // A span that starts but fails while ending, with a logger and histogram still broken.
  instrumentation.setTracerProvider({
    getTracer: () => ({
      startSpan: () => ({ setAttributes: boom, setStatus: boom, end: boom, spanContext: () => ({}) }),
    }),
  });
  diagErrors.length = 0;
  assert.deepEqual(await allOperations(), baseline);
  assert.ok(diagErrors.some(([message]) => /span sink/.test(message)));
});

test('an async hook that rejects does not become an unhandled rejection', async () => {
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    instrumentation.setTracerProvider(telemetry.tracerProvider);
    instrumentation.setConfig({
      pseudonymKey: PSEUDONYM_KEY,
      verifyHook: async () => boom(),
      signHook: async () => boom(),
    });
    diagErrors.length = 0;
    await allOperations();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(unhandled, []);
    assert.ok(diagErrors.some(([message]) => /hook threw/.test(message)));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('remote key-set lookups with a tracer and a logger that throw: verdicts unchanged, failures reported', async () => {
  const { startJwksServer } = await import('./support/jwks-server.mjs');
  const server = await startJwksServer();
  try {
    const pair = async (kid) => {
      const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
      telemetry.leaks.register((await jose.exportJWK(privateKey)).d, `private key ${kid}`);
      const token = await new jose.SignJWT({ sub: kid }).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
      return { jwk: { ...(await jose.exportJWK(publicKey)), kid }, token };
    };
    const [a, b] = [await pair('fence-a'), await pair('fence-b')];
    const run = async () => {
      server.rotate([a.jwk]);
      const JWKS = jose.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.port}/jwks.json`), {
        cooldownDuration: 0,
      });
      const first = await jose.jwtVerify(a.token, JWKS);
      server.rotate([b.jwk]); // a rotation, so the log sink runs too
      const second = await jose.jwtVerify(b.token, JWKS);
      return [first.payload, second.payload];
    };
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY });
    instrumentation.setTracerProvider(telemetry.tracerProvider);
    instrumentation.setLoggerProvider(telemetry.loggerProvider);
    const baseline = await run();
    instrumentation.setTracerProvider({ getTracer: () => ({ startSpan: boom, startActiveSpan: boom }) });
    instrumentation.setLoggerProvider({ getLogger: () => ({ emit: boom, enabled: () => true }) });
    diagErrors.length = 0;
    assert.deepEqual(await run(), baseline);
    assert.ok(
      diagErrors.some(([message]) => /key-set span sink/.test(message)),
      'the span sink failure went to diag',
    );
    assert.ok(
      diagErrors.some(([message]) => /key rotation sink/.test(message)),
      'the rotation sink failure went to diag',
    );
  } finally {
    instrumentation.setTracerProvider(telemetry.tracerProvider);
    instrumentation.setLoggerProvider(telemetry.loggerProvider);
    await server.close();
  }
});

test('what goes to diag is redacted: a hook error quoting the token, or its JSON parse error, keeps its kind but not the token', async () => {
  instrumentation.setTracerProvider(telemetry.tracerProvider);
  const token = jwt.sign({ sub: 'diag-user', iat: 1 }, secret);
  const quoting = () => {
    JSON.parse(`${token} is the token`); // SyntaxError: Unexpected token 'e', "eyJhbGciOi"... is not valid JSON
  };
  const echoing = () => {
    throw new TypeError(`cannot handle ${token}`);
  };
  for (const hook of [quoting, echoing]) {
    instrumentation.setConfig({ pseudonymKey: PSEUDONYM_KEY, verifyHook: hook });
    diagErrors.length = 0;
    assert.deepEqual(jwt.verify(token, secret), { sub: 'diag-user', iat: 1 });
    const logged = diagErrors.map(([message]) => message).join('\n');
    assert.match(logged, /hook threw/);
    assert.match(logged, hook === quoting ? /SyntaxError: Unexpected token/ : /TypeError: cannot handle REDACTED/);
    assert.match(logged, /\/test\/fencing\.test\.mjs:\d+/, 'the stack keeps its file paths');
    for (const part of [token, ...token.split('.'), token.slice(0, 10)])
      assert.ok(!logged.includes(part), `diag does not log ${part.slice(0, 12)}…`);
  }
});
