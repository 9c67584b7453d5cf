/** The strict receiver the end-to-end tests rely on really is strict: it rejects what a Collector would. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startReceiver } from '@tokentrail/otlp-receiver';

const span = (overrides = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  name: 'GET',
  kind: 2,
  startTimeUnixNano: '1544712660000000000',
  endTimeUnixNano: 1544712661000000000,
  attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
  ...overrides,
});
const traces = (s) => ({
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [s] }] }],
});

async function post(receiver, path, body, contentType = 'application/json') {
  const response = await fetch(receiver.endpoint + path, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

test('accepts a well-formed OTLP/JSON export and reads it back', async () => {
  const receiver = await startReceiver();
  try {
    assert.equal(await post(receiver, '/v1/traces', JSON.stringify(traces(span()))), 200);
    assert.equal(receiver.spans.length, 1);
    assert.equal(receiver.spans[0].attributes['http.request.method'], 'GET');
  } finally {
    await receiver.close();
  }
});

const malformed = {
  'a trace id of the wrong length': span({ traceId: '5b8efff798038103d269b633813fc60' }),
  'a base64 span id (protobuf-style bytes in JSON)': span({ spanId: '7uGbfsPBsXQ=' }),
  'an enum as a string': span({ kind: 'SPAN_KIND_SERVER' }),
  'a 64-bit integer as a fraction': span({ startTimeUnixNano: 1.5 }),
  'an AnyValue with two values': span({ attributes: [{ key: 'k', value: { stringValue: 'a', intValue: '1' } }] }),
  'an unknown field': span({ durationMs: 3 }),
};

for (const [what, bad] of Object.entries(malformed)) {
  test(`rejects ${what} with 400 and says where`, async () => {
    const receiver = await startReceiver();
    try {
      assert.equal(await post(receiver, '/v1/traces', JSON.stringify(traces(bad))), 400);
      assert.equal(receiver.spans.length, 0);
      assert.match(receiver.rejected[0].problems.join(), /traces\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]/);
    } finally {
      await receiver.close();
    }
  });
}

test('rejects protobuf bytes that do not decode against the OTLP schema', async () => {
  const receiver = await startReceiver();
  try {
    assert.equal(
      await post(
        receiver,
        '/v1/logs',
        Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
        'application/x-protobuf',
      ),
      400,
    );
    assert.match(receiver.rejected[0].problems[0], /undecodable application\/x-protobuf/);
  } finally {
    await receiver.close();
  }
});

test('runApp kills an app that does not start listening in time, so nothing keeps the caller alive', async () => {
  const { runApp } = await import('@tokentrail/otlp-receiver/run-app');
  const { existsSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tokentrail-run-app-'));
  const pidFile = join(dir, 'pid');
  const app = new URL('./fixtures/never-listening-app.cjs', import.meta.url).pathname;
  try {
    await assert.rejects(
      runApp(app, {
        flag: '--require',
        env: { OTEL_SDK_DISABLED: 'true', TOKENTRAIL_PID_FILE: pidFile },
        startTimeoutMs: 5000,
      }),
      /did not start within 5000 ms/,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Killed before it got as far as writing its pid (a slow machine), or killed after: either way, gone.
    if (existsSync(pidFile))
      assert.throws(
        () => process.kill(Number(readFileSync(pidFile, 'utf8')), 0),
        { code: 'ESRCH' },
        'the app process is gone',
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
