/** @tokentrail/register's environment: TOKENTRAIL_* parsing, loud but harmless misconfiguration, OTEL_SDK_DISABLED. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { configFromEnv } from '@tokentrail/register/env-config';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'no-signal-handler-app.mjs');

test('TOKENTRAIL_* variables become the instrumentation config', () => {
  assert.deepEqual(
    configFromEnv({
      TOKENTRAIL_CLAIMS: 'email=pseudonymize, tenant=keep,iss=drop',
      TOKENTRAIL_ROLES_CLAIM: 'realm_access.roles',
      TOKENTRAIL_TOKEN_COOKIES: 'session',
      TOKENTRAIL_EMIT_METRICS: 'false',
    }),
    {
      claims: { email: 'pseudonymize', tenant: 'keep', iss: 'drop' },
      rolesClaim: ['realm_access', 'roles'],
      tokenSources: { headers: undefined, cookies: ['session'], queryParams: undefined },
      emitMetrics: false,
    },
  );
  assert.deepEqual(configFromEnv({ TOKENTRAIL_ROLES_CLAIM: 'none' }), { rolesClaim: null });
  assert.deepEqual(configFromEnv({}), {});
});

test('TOKENTRAIL_* variables for sampling, findings, detectors and the scope policy', () => {
  assert.deepEqual(
    configFromEnv({
      TOKENTRAIL_LOG_SAMPLE_RATIO: '0.25',
      TOKENTRAIL_MAX_TOKEN_LIFETIME: '3600',
      TOKENTRAIL_EXPECTED_ALGORITHMS: 'RS256, ES256',
      TOKENTRAIL_DETECTORS: 'false',
      TOKENTRAIL_SCOPE_POLICY: 'GET /admin=scope:admin role:ops; /orders=scope:orders:read',
    }),
    {
      logSampleRatio: 0.25,
      findings: { maxLifetimeSeconds: 3600, expectedAlgorithms: ['RS256', 'ES256'] },
      detectors: { enabled: false },
      scopePolicy: { 'GET /admin': { scopes: ['admin'], roles: ['ops'] }, '/orders': { scopes: ['orders:read'] } },
    },
  );
  assert.deepEqual(configFromEnv({ TOKENTRAIL_EXPECTED_ALGORITHMS: 'EdDSA' }), {
    findings: { expectedAlgorithms: ['EdDSA'] },
  });
  const parsed = configFromEnv({
    TOKENTRAIL_LOG_SAMPLE_RATIO: '0.5',
    TOKENTRAIL_MAX_TOKEN_LIFETIME: '600',
    TOKENTRAIL_SCOPE_POLICY: 'GET /admin=scope:admin',
  });
  const instrumentation = new JwtInstrumentation({
    ...parsed,
    pseudonymKey: 'register-env-key-0123456789abcdef',
    enabled: false,
  });
  assert.equal(instrumentation.getConfig().logSampleRatio, 0.5, 'the instrumentation accepts what the variables give');
  assert.throws(
    () => configFromEnv({ TOKENTRAIL_LOG_SAMPLE_RATIO: '0' }),
    /TOKENTRAIL_LOG_SAMPLE_RATIO must be a number above 0 and at most 1 \(got "0"\)/,
  );
  assert.throws(
    () => configFromEnv({ TOKENTRAIL_MAX_TOKEN_LIFETIME: '1.5' }),
    /TOKENTRAIL_MAX_TOKEN_LIFETIME must be a whole number of seconds above 0/,
  );
  assert.throws(
    () => configFromEnv({ TOKENTRAIL_SCOPE_POLICY: '/admin=admin' }),
    /TOKENTRAIL_SCOPE_POLICY entries must look like "GET \/route=scope:NAME role:NAME" \(got "\/admin=admin"\)/,
  );
  assert.throws(() => configFromEnv({ TOKENTRAIL_SCOPE_POLICY: '/admin=' }), /TOKENTRAIL_SCOPE_POLICY entries/);
});

test('malformed TOKENTRAIL_* values are refused with the variable named', () => {
  assert.throws(
    () => configFromEnv({ TOKENTRAIL_CLAIMS: 'email:hash' }),
    /TOKENTRAIL_CLAIMS entries must look like claim=keep\|pseudonymize\|drop \(got "email:hash"\)/,
  );
  assert.throws(
    () => configFromEnv({ TOKENTRAIL_EMIT_SPANS: 'yes' }),
    /TOKENTRAIL_EMIT_SPANS must be "true" or "false"/,
  );
});

test('a misconfigured start is reported on stderr and the application still runs', async () => {
  const app = await runApp(fixture, {
    env: { TOKENTRAIL_CLAIMS: 'email=reveal', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  });
  try {
    const response = await fetch(`${app.url}/`);
    assert.equal(response.status, 401);
    assert.match(
      app.output().stderr,
      /\[@tokentrail\/register\] not started: TOKENTRAIL_CLAIMS entries must look like/,
    );
  } finally {
    await app.stop();
  }
});

test('OTEL_SDK_DISABLED=true: nothing is exported', async () => {
  const receiver = await startReceiver();
  const app = await runApp(fixture, {
    endpoint: receiver.endpoint,
    env: { OTEL_SDK_DISABLED: 'true', OTEL_BSP_SCHEDULE_DELAY: '10' },
  });
  try {
    await fetch(`${app.url}/`, { headers: { authorization: 'Bearer a.b.c' } });
  } finally {
    await app.stop();
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(receiver.accepted.length, 0);
  await receiver.close();
});

test('started without TOKENTRAIL_PSEUDONYM_KEY: said once on stderr at start, and once through diag at the first token', async () => {
  const jwt = createRequire(import.meta.url)('jsonwebtoken');
  const token = jwt.sign({ sub: 'someone' }, 'no-handler-secret-0123456789abcdef');
  const count = (text, pattern) => text.split('\n').filter((line) => pattern.test(line)).length;
  for (const key of ['', 'register-env-shared-key-0123456789']) {
    const app = await runApp(fixture, {
      env: { TOKENTRAIL_PSEUDONYM_KEY: key, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_LOG_LEVEL: 'warn' },
    });
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await fetch(`${app.url}/`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { stderr } = app.output();
      if (key) {
        assert.equal(count(stderr, /pseudonym key|PSEUDONYM_KEY/), 0, stderr);
      } else {
        assert.equal(
          count(stderr, /^\[@tokentrail\/register\] TOKENTRAIL_PSEUDONYM_KEY is not set: .* Set the same key/),
          1,
          stderr,
        );
        assert.equal(count(stderr, /TOKENTRAIL_PSEUDONYM_KEY is not set/), 1, 'said once');
        assert.equal(count(stderr, /no pseudonym key configured .*random per-process key/), 1, stderr);
      }
    } finally {
      await app.stop();
    }
  }
});
