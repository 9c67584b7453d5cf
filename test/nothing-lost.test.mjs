/**
 * Nothing lost: under sustained load over loopback, the receiver counts exactly one audit record per verify the
 * app made (the jwt.request record that carries each request's verify), and jwt.audit.seq has no gap and no
 * duplicate.
 *
 * CI runs a shortened load (TOKENTRAIL_LOAD_REQUESTS, default 6,000). The full run:
 *   TOKENTRAIL_LOAD_REQUESTS=60000 node scripts/test.mjs --runtime 24 test/nothing-lost.test.mjs
 * which also requires at least 2,000 req/s.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import autocannon from 'autocannon';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';

const REQUESTS = Number(process.env.TOKENTRAIL_LOAD_REQUESTS ?? 6000);
const FULL = REQUESTS >= 60_000;
const require = createRequire(import.meta.url);
// koa 3 + jsonwebtoken HS256 (CommonJS, under --require): the verify is cheap, so the load measures the telemetry path.
// OTLP/JSON: the receiver shares the cores with the app and the load generator, and decoding JSON costs it about
// half what protobuf does (the protobuf path is covered end to end by e2e-register.test.mjs).
const appPath = join(dirname(require.resolve('@tokentrail/example-koa-jsonwebtoken/package.json')), 'app.cjs');

/** The queue settings this needs (documented in docs/guarantees.md): room for a few seconds of records. */
const QUEUES = {
  OTEL_BLRP_MAX_QUEUE_SIZE: '100000',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '4096',
  OTEL_BLRP_SCHEDULE_DELAY: '250',
  OTEL_BSP_MAX_QUEUE_SIZE: '100000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
  OTEL_BSP_SCHEDULE_DELAY: '250',
};

test(`nothing lost: ${REQUESTS} authenticated requests, one verify record each, no gap in jwt.audit.seq`, {
  timeout: 600_000,
}, async () => {
  const receiver = await startReceiver({ keepPayloads: false });
  const app = await runApp(appPath, {
    flag: '--require',
    endpoint: receiver.endpoint,
    protocol: 'http/json',
    env: { TOKENTRAIL_PSEUDONYM_KEY: 'nothing-lost-key-0123456789abcdef', ...QUEUES },
  });
  try {
    const tokens = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await fetch(`${app.url}/login?sub=load-${i}`, { method: 'POST' });
      tokens.push((await response.json()).token);
    }
    let next = 0;
    const result = await autocannon({
      url: `${app.url}/orders`,
      connections: 32,
      amount: REQUESTS,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
          }),
        },
      ],
    });
    const answered = result['2xx'];
    const rate = Math.round(REQUESTS / (result.duration || 1));
    console.log(
      `# nothing-lost: ${answered} × 2xx of ${REQUESTS} in ${result.duration.toFixed(1)} s = ${rate} req/s; p99 ${result.latency.p99} ms`,
    );
    assert.equal(answered, REQUESTS, 'every request was answered 200');

    await app.stop('SIGTERM');
    const records = () =>
      receiver.logRecords.filter(
        (r) =>
          (r.eventName === 'jwt.verify' || r.eventName === 'jwt.request') && r.attributes['jwt.operation'] === 'verify',
      );
    await receiver.waitFor(() => records().length >= answered, { timeoutMs: 60_000 }).catch(() => {});
    assert.equal(records().length, answered, 'exactly one audit record per verify');
    const seqs = receiver.logRecords
      .map((r) => r.attributes['jwt.audit.seq'])
      .filter((s) => s !== undefined)
      .sort((a, b) => a - b);
    const instance = new Set(receiver.logRecords.map((r) => r.resource['service.instance.id']));
    assert.equal(instance.size, 1, 'every record names the same service.instance.id');
    assert.equal(seqs[0], 1);
    const gaps = seqs.filter((s, i) => i > 0 && s !== seqs[i - 1] + 1);
    assert.deepEqual(gaps, [], 'no gap and no duplicate in jwt.audit.seq');
    assert.equal(seqs.length, seqs.at(-1));
    assert.deepEqual(receiver.rejected, []);
    console.log(`# nothing-lost: ${records().length} verify records, jwt.audit.seq 1…${seqs.at(-1)} complete`);
    if (FULL) assert.ok(rate >= 2000, `the full run is sent at ≥ 2,000 req/s (${rate})`);
  } finally {
    await app.stop();
    await receiver.close();
  }
});
