/** The strict receiver the end-to-end tests rely on really is strict: it rejects what a Collector would. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startReceiver } from '@tokentrail/otlp-receiver';

const span = (overrides = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET', kind: 2,
  startTimeUnixNano: '1544712660000000000', endTimeUnixNano: 1544712661000000000,
  attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }], ...overrides,
});
const traces = (s) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [s] }] }] });

async function post(receiver, path, body, contentType = 'application/json') {
  const response = await fetch(receiver.endpoint + path, { method: 'POST', headers: { 'content-type': contentType }, body });
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
    assert.equal(await post(receiver, '/v1/logs', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf'), 400);
    assert.match(receiver.rejected[0].problems[0], /undecodable application\/x-protobuf/);
  } finally {
    await receiver.close();
  }
});
