/**
 * Under `node --import @tokentrail/register`: a token in the URL path, in an unlisted or added query parameter,
 * or in a request whose handler throws synchronously never reaches the collector; the resource carries no
 * command-line argument or environment value unless asked to; TOKENTRAIL_TOKEN_QUERY_PARAMS adds to the
 * default parameter names.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKEN_QUERY_PARAMS } from '@tokentrail/instrumentation-jwt';
import { configFromEnv } from '@tokentrail/register/env-config';
import { httpInstrumentationConfig } from '@tokentrail/register/http-config';
import { exportingSpanProcessors, spanProcessors } from '@tokentrail/register/trace-pipeline';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { LeakScanner } from './support/leak-scanner.mjs';

const jwt = createRequire(import.meta.url)('jsonwebtoken');
const app = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'register-leak-app.mjs');
const SERVER = 2;

test('TOKENTRAIL_TOKEN_QUERY_PARAMS adds to the default names, and instrumentation-http redacts them all, also with []', () => {
  const { queryParams } = configFromEnv({ TOKENTRAIL_TOKEN_QUERY_PARAMS: 'magic, jwt' }).tokenSources;
  assert.deepEqual(queryParams, [...DEFAULT_TOKEN_QUERY_PARAMS, 'magic', 'jwt']);
  assert.ok(
    DEFAULT_TOKEN_QUERY_PARAMS.includes('access_token') && DEFAULT_TOKEN_QUERY_PARAMS.includes('id_token_hint'),
  );
  const { redactedQueryParamsServer } = httpInstrumentationConfig(queryParams);
  for (const name of ['access_token', 'access_token[]', 'magic', 'magic[]', 'sig'])
    assert.ok(redactedQueryParamsServer.includes(name), name);
});

test('with the scrubbing processor passed to the SDK, the register builds the exporting ones from OTEL_TRACES_EXPORTER and OTEL_BSP_*', () => {
  const scrubbing = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  const names = (processors) => processors.map((p) => p.constructor.name);
  assert.deepEqual(names(exportingSpanProcessors({})), ['BatchSpanProcessor'], 'otlp by default');
  assert.deepEqual(names(exportingSpanProcessors({ OTEL_TRACES_EXPORTER: 'console, otlp' })), [
    'SimpleSpanProcessor',
    'BatchSpanProcessor',
  ]);
  assert.deepEqual(
    spanProcessors(scrubbing, { OTEL_TRACES_EXPORTER: 'none' }),
    [],
    'nothing exported, no tracer provider',
  );
  const [first, batch] = spanProcessors(scrubbing, { OTEL_BSP_SCHEDULE_DELAY: '1234', OTEL_BSP_MAX_QUEUE_SIZE: '77' });
  assert.equal(first, scrubbing, 'the scrubbing processor comes first');
  // The batch processor keeps its options private; what it was given shows in how it was made.
  assert.equal(batch._scheduledDelayMillis, 1234);
  assert.equal(batch._maxQueueSize, 77);
});

async function exercise({ env = {}, args = [] }) {
  const secret = `cli-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const receiver = await startReceiver();
  const started = await runApp(app, {
    endpoint: receiver.endpoint,
    env: { JWT_SECRET: secret, ...env },
    args: args.map((a) => a.replace('$SECRET', secret)),
  });
  const tokens = Array.from({ length: 5 }, (_, i) => jwt.sign({ sub: `register-user-${i}@example.com` }, secret));
  try {
    const statuses = [];
    for (const path of [
      `/reset/${tokens[0]}`,
      `/q?jwt=${tokens[1]}`,
      `/q?magic=${tokens[2]}`,
      `/q?Access_Token=${tokens[3]}`,
      `/throw?access_token=${tokens[4]}`,
    ]) {
      const response = await fetch(started.url + path);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 500], 'the app verified every token');
    await started.stop('SIGTERM');
    await receiver.waitFor((r) => r.spans.filter((s) => s.kind === SERVER).length >= 5 && r.metricPoints.length > 0, {
      timeoutMs: 15_000,
    });
    return { receiver, secret, tokens };
  } finally {
    await started.stop();
    await receiver.close();
  }
}

test('tokens in the path, in unlisted, added and differently spelled query parameters, and on a synchronous throw never reach the collector; the resource holds no secret from the command line or environment', async () => {
  const { receiver, secret, tokens } = await exercise({
    env: { TOKENTRAIL_TOKEN_QUERY_PARAMS: 'magic' },
    args: ['--jwt-secret=$SECRET'],
  });
  const leaks = new LeakScanner();
  leaks.register(secret, 'secret from the command line and JWT_SECRET');
  for (const [i, t] of tokens.entries()) leaks.registerToken(t, `token ${i}`);
  const resources = [...receiver.spans, ...receiver.logRecords, ...receiver.metricPoints].map((item) => item.resource);
  leaks.assertClean({
    spans: receiver.spans,
    logRecords: receiver.logRecords,
    metricPoints: receiver.metricPoints,
    resources,
  });
  const everything = receiver.accepted.map((a) => JSON.stringify(a.body)).join('\n');
  assert.equal(everything.includes(secret), false, 'the secret is in no payload');
  const resource = receiver.spans[0].resource;
  assert.equal(typeof resource['process.pid'], 'number');
  assert.equal(resource['process.runtime.name'], 'nodejs');
  for (const key of [
    'process.command_args',
    'process.command',
    'process.command_line',
    'process.executable.path',
    'process.executable.name',
    'process.owner',
  ]) {
    assert.equal(resource[key], undefined, `${key} is not exported by default`);
  }
  const paths = receiver.spans
    .filter((s) => s.kind === SERVER)
    .map((s) => `${s.attributes['url.path']}${s.attributes['url.query'] ? `?${s.attributes['url.query']}` : ''}`);
  assert.deepEqual(
    paths.sort(),
    [
      '/q?Access_Token=REDACTED',
      '/q?jwt=REDACTED',
      '/q?magic=REDACTED',
      '/reset/REDACTED',
      '/throw?access_token=REDACTED',
    ].sort(),
  );
});

test('TOKENTRAIL_RESOURCE_PROCESS_DETAILS=true exports the whole process resource, as asked', async () => {
  const { receiver } = await exercise({
    env: { TOKENTRAIL_RESOURCE_PROCESS_DETAILS: 'true' },
    args: ['--verbose-flag'],
  });
  const resource = receiver.spans[0].resource;
  assert.ok(resource['process.command_args'].includes('--verbose-flag'), 'the command line is exported when asked for');
});
