/**
 * A collector that is down, failing, slow, or hanging up mid-request never reaches the application: every
 * request is still answered, nothing unhandled is thrown, and telemetry arrives again once it recovers.
 * (The latency comparison with and without a fault belongs to the benchmarks.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { pseudonym } from './support/jwt-fixtures.mjs';

const require = createRequire(import.meta.url);
const appPath = join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs');
const KEY = 'faults-pseudonym-key-0123456789abcd';

async function login(app, sub) {
  const response = await fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  return (await response.json()).token;
}

async function load(app, token, count) {
  const statuses = [];
  for (let i = 0; i < count; i += 5) {
    const batch = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${app.url}/orders`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    statuses.push(...batch);
  }
  return statuses;
}

const faults = {
  'answering 503': (receiver) => (receiver.behaviour = { status: 503 }),
  'answering 500': (receiver) => (receiver.behaviour = { status: 500 }),
  'closing connections mid-request': (receiver) => (receiver.behaviour = { destroy: true }),
  'answering after 10 s': (receiver) => (receiver.behaviour = { delayMs: 10_000 }),
};

for (const [name, inject] of Object.entries(faults)) {
  test(`collector ${name}: the app is unaffected and telemetry resumes after recovery`, {
    timeout: 60_000,
  }, async () => {
    const receiver = await startReceiver();
    const app = await runApp(appPath, { endpoint: receiver.endpoint, env: { TOKENTRAIL_PSEUDONYM_KEY: KEY } });
    try {
      inject(receiver);
      const during = await load(app, await login(app, 'during-fault'), 100);
      assert.deepEqual(new Set(during), new Set([200]), 'every request answered while the collector fails');
      await new Promise((r) => setTimeout(r, 700)); // let the exporters hit the fault
      receiver.behaviour = {};
      const after = await load(app, await login(app, 'after-recovery'), 20);
      assert.deepEqual(new Set(after), new Set([200]));
      const id = pseudonym('after-recovery', KEY);
      await receiver.waitFor((r) => r.spans.some((s) => s.attributes['enduser.pseudo.id'] === id), {
        timeoutMs: 30_000,
      });
      assert.equal(app.child.exitCode, null, 'the app is still running');
      assert.doesNotMatch(app.output().stderr, /Unhandled|uncaught|TypeError|ReferenceError/i);
    } finally {
      await app.stop();
      await receiver.close();
    }
  });
}

test('collector down (nothing listening): the app is unaffected, and still exits promptly after SIGTERM', {
  timeout: 90_000,
}, async () => {
  const receiver = await startReceiver();
  const endpoint = receiver.endpoint;
  await receiver.close(); // the port is now closed
  const spoolDir = mkdtempSync(join(tmpdir(), 'tokentrail-faults-'));
  const app = await runApp(appPath, {
    endpoint,
    env: { TOKENTRAIL_PSEUDONYM_KEY: KEY, TOKENTRAIL_SPOOL_DIR: spoolDir },
  });
  try {
    const statuses = await load(app, await login(app, 'collector-down'), 100);
    assert.deepEqual(new Set(statuses), new Set([200]));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(app.child.exitCode, null);
    assert.doesNotMatch(app.output().stderr, /Unhandled|uncaught|TypeError|ReferenceError/i);
    // The app handles SIGTERM by closing its server: exports toward the dead collector must not keep it alive
    // beyond the exit bound (TOKENTRAIL_EXIT_TIMEOUT_MS, 2 s by default).
    const started = performance.now();
    const { code } = await app.stop('SIGTERM');
    const endMs = performance.now() - started;
    assert.equal(code, 0);
    assert.ok(endMs < 2000, `the app exited ${Math.round(endMs)} ms after SIGTERM`);
    assert.match(app.output().stderr, /not acknowledged by the collector at exit; spooled to /);
  } finally {
    await app.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  }
});
