/**
 * Nothing lost at exit: an API under @tokentrail/register, one authenticated request answered, then the process
 * ends — SIGTERM or SIGINT into `server.close(() => process.exit(0))`, `process.exit()` from a request handler,
 * an uncaught exception, or the documented recipe (`await shutdown()`, then `process.exit()`) — with the SDK's
 * default batch delays (5 s for spans, 1 s for log records; the recipe also with 60 s), so only the exit path
 * can deliver that request.
 * Everything must be at the strict receiver by the time the process has ended: the request's server span, its
 * audit records, the closing checkpoint (`tokentrail verify` says sealed), and the application's own spans and
 * log records. Then the collector is down or hanging at exit: the process still ends within the bound, and what
 * could not be sent is spooled and delivered by the next start.
 *
 * CI runs 5 runs of each SIGTERM case and 2 of each other ending; the full count (20 of each):
 *   TOKENTRAIL_EXIT_RUNS=20 node scripts/test.mjs --runtime 24 test/exit-delivery.test.mjs
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@tokentrail/otlp-receiver';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { CLI } from './support/audit-trail-run.mjs';

const FULL_RUNS = process.env.TOKENTRAIL_EXIT_RUNS ? Number(process.env.TOKENTRAIL_EXIT_RUNS) : undefined;
const here = dirname(fileURLToPath(import.meta.url));
const SERVER = 2;
const KEY = 'exit-delivery-key-0123456789abcdef';
/** The SDK's defaults (run-app shortens them for other tests); no metric export on a timer either. */
const DEFAULT_DELAYS = {
  OTEL_BSP_SCHEDULE_DELAY: '5000',
  OTEL_BLRP_SCHEDULE_DELAY: '1000',
  OTEL_METRIC_EXPORT_INTERVAL: '60000',
};

const APPS = {
  'ESM app (jose, --import)': { path: join(here, 'fixtures', 'exit', 'jose-app.mjs'), flag: '--import' },
  'CommonJS app (jsonwebtoken, --require)': {
    path: join(here, 'fixtures', 'exit', 'jsonwebtoken-app.cjs'),
    flag: '--require',
  },
};

const ENDINGS = {
  'SIGTERM → server.close(() => process.exit(0))': {
    mode: 'sigterm',
    runs: 5,
    end: (app) => app.stop('SIGTERM'),
    code: 0,
  },
  'SIGINT → server.close(() => process.exit(0))': {
    mode: 'sigint',
    runs: 2,
    end: (app) => app.stop('SIGINT'),
    code: 0,
  },
  'process.exit() from a request handler': { mode: 'exit', runs: 2, end: (app) => app.exited, code: 0 },
  'an uncaught exception': { mode: 'throw', runs: 2, end: (app) => app.exited, code: 1 },
  'the recipe: await shutdown(), then process.exit()': {
    mode: 'recipe',
    runs: 2,
    end: (app) => app.stop('SIGTERM'),
    code: 0,
  },
  'the recipe, with batch delays of 60 s': {
    mode: 'recipe',
    runs: 2,
    end: (app) => app.stop('SIGTERM'),
    code: 0,
    env: { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000' },
  },
};

/** Runs `count` tasks, `width` at a time. */
async function pool(count, width, task) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

function spoolDir() {
  return mkdtempSync(join(tmpdir(), 'tokentrail-exit-test-'));
}

/**
 * `tokentrail verify` over the log export bodies the receiver accepted (in a child process started
 * asynchronously: the receivers of runs still going live in this process's event loop).
 */
async function verify(receiver, ...flags) {
  const dir = mkdtempSync(join(tmpdir(), 'tokentrail-exit-verify-'));
  try {
    const file = join(dir, 'logs.jsonl');
    writeFileSync(
      file,
      receiver.accepted
        .filter((a) => a.kind === 'logs')
        .map((a) => JSON.stringify(a.body))
        .join('\n'),
    );
    const result = await new Promise((resolve) =>
      execFile(process.execPath, [CLI, 'verify', ...flags, '--json', file], (error, stdout) =>
        resolve({ status: error ? error.code : 0, stdout }),
      ),
    );
    return { status: result.status, report: result.stdout ? JSON.parse(result.stdout) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function login(app, sub) {
  return (await fetch(`${app.url}/login?sub=${sub}`)).text();
}

async function endRequest(app, token) {
  const response = await fetch(`${app.url}/end`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * The distinct items of a list, by key; an item that arrived more than once (an export acknowledged too late,
 * sent again at exit) must be an identical copy.
 */
function distinct(items, key, label) {
  const seen = new Map();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) assert.deepEqual(item, seen.get(k), `${label}: a record delivered twice is an identical copy`);
    else seen.set(k, item);
  }
  return { items: [...seen.values()], copies: items.length - seen.size };
}

/** What arrived of one run, checked; returns the figures the summary counts. */
function assertDelivered(everything, label, { sealed = true } = {}) {
  assert.deepEqual(everything.rejected, [], `${label}: every payload passed strict validation`);
  const spans = distinct(everything.spans, (s) => s.spanId, label);
  const records = distinct(
    everything.logRecords,
    (r) =>
      [
        r.attributes['jwt.audit.stream'],
        r.attributes['jwt.audit.seq'],
        r.scope.name,
        r.eventName,
        r.timeUnixNano,
        r.spanId,
      ].join(' '),
    label,
  );
  const receiver = { spans: spans.items, logRecords: records.items };
  const server = receiver.spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/end');
  assert.ok(server, `${label}: the last request's server span arrived`);
  assert.equal(server.attributes['http.response.status_code'], 200);
  // The request's successful verify is told by its server span and carried by its one jwt.request record.
  assert.equal(server.attributes['jwt.validation.outcome'], 'valid', `${label}: the server span carries the verify`);
  const audit = receiver.logRecords.filter(
    (r) => r.traceId === server.traceId && r.attributes['jwt.audit.seq'] !== undefined,
  );
  assert.deepEqual(
    audit.map((r) => r.eventName),
    ['jwt.request'],
    `${label}: its audit record arrived`,
  );
  assert.equal(audit[0].attributes['jwt.validation.outcome'], 'valid', `${label}: the record carries the verify`);
  assert.equal(typeof audit[0].attributes['jwt.token.fingerprint'], 'string');
  const trail = receiver.logRecords
    .filter((r) => r.attributes['jwt.audit.seq'] !== undefined)
    .sort((a, b) => a.attributes['jwt.audit.seq'] - b.attributes['jwt.audit.seq']);
  assert.deepEqual(
    trail.map((r) => r.attributes['jwt.audit.seq']),
    trail.map((_, i) => i + 1),
    `${label}: jwt.audit.seq without gap`,
  );
  const last = trail.at(-1);
  if (sealed) {
    assert.equal(last.eventName, 'jwt.audit.checkpoint', `${label}: the trail ends with a checkpoint`);
    assert.equal(last.attributes['jwt.audit.checkpoint.reason'], 'shutdown', `${label}: the closing checkpoint`);
    assert.equal(last.attributes['jwt.audit.checkpoint.count'], trail.length - 1);
  }
  // The application's own instrumentation: one span and one log record per request (login and end).
  const ownSpans = receiver.spans.filter((s) => s.name === 'orders.handle').length;
  const ownRecords = receiver.logRecords.filter((r) => r.scope.name === 'orders-app').length;
  const serverSpans = receiver.spans.filter((s) => s.kind === SERVER).length;
  assert.equal(ownSpans, 2, `${label}: the app's own spans arrived`);
  assert.equal(ownRecords, 2, `${label}: the app's own log records arrived`);
  assert.equal(serverSpans, 2, `${label}: instrumentation-http's server spans arrived`);
  return { ownSpans, ownRecords, serverSpans, copies: spans.copies + records.copies };
}

for (const [ending, { mode, runs: ciRuns, end, code: expectedCode, env: endingEnv = {} }] of Object.entries(ENDINGS)) {
  const runs = FULL_RUNS ?? ciRuns;
  describe(ending, () => {
    for (const [appName, { path, flag }] of Object.entries(APPS)) {
      for (const protocol of ['http/json', 'http/protobuf']) {
        test(`${appName}, ${protocol}: ${runs} of ${runs} runs deliver the request's server span, audit records and closing checkpoint`, {
          timeout: 60_000 + runs * 10_000,
        }, async () => {
          const dir = spoolDir();
          try {
            const figures = await pool(runs, 3, async (run) => {
              const receiver = await startReceiver();
              const app = await runApp(path, {
                flag,
                endpoint: receiver.endpoint,
                protocol,
                env: {
                  ...DEFAULT_DELAYS,
                  ...endingEnv,
                  EXIT_MODE: mode,
                  TOKENTRAIL_PSEUDONYM_KEY: KEY,
                  TOKENTRAIL_SPOOL_DIR: dir,
                },
              });
              try {
                const token = await login(app, `user-${run}`);
                assert.equal(await endRequest(app, token), 200);
                const { code } = await end(app);
                assert.equal(code, expectedCode, `the process ended as the app ends it:\n${app.output().stderr}`);
                // No waiting: what the exit path sends is acknowledged before the process ends.
                const counted = assertDelivered(receiver, `run ${run + 1}`);
                const { status, report } = await verify(
                  receiver,
                  ...(counted.copies > 0 ? ['--allow-redelivered'] : []),
                );
                assert.equal(status, 0, `run ${run + 1}: tokentrail verify passes`);
                assert.deepEqual(
                  report.streams.map((s) => s.sealed),
                  [true],
                  `run ${run + 1}: sealed, not truncated`,
                );
                assert.doesNotMatch(
                  app.output().stderr,
                  /\[@tokentrail\/register\]/,
                  'nothing spooled or lost to report',
                );
                return counted;
              } finally {
                await app.stop();
                await receiver.close();
              }
            });
            assert.deepEqual(readdirSync(dir), [], 'with the collector up, nothing went to the spool');
            const sum = (key) => figures.reduce((n, f) => n + f[key], 0);
            console.log(
              `# ${ending} / ${appName} / ${protocol}: ${runs}/${runs} runs delivered; app spans ${sum('ownSpans')}/${2 * runs}, app log records ${sum('ownRecords')}/${2 * runs}, server spans ${sum('serverSpans')}/${2 * runs}; identical copies delivered twice: ${sum('copies')}`,
            );
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      }
    }
  });
}

const jose = APPS['ESM app (jose, --import)'];
const cjs = APPS['CommonJS app (jsonwebtoken, --require)'];

/** A port nothing listens on. */
async function closedEndpoint() {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.endpoint;
}

/** Runs the app, makes one request, ends it with SIGTERM; returns how long the end took and what it printed. */
async function runOnce({ app: { path, flag }, endpoint, protocol = 'http/protobuf', env, sub = 'spooled-user' }) {
  const app = await runApp(path, {
    flag,
    endpoint,
    protocol,
    env: { ...DEFAULT_DELAYS, EXIT_MODE: 'sigterm', TOKENTRAIL_PSEUDONYM_KEY: KEY, ...env },
  });
  try {
    assert.equal(await endRequest(app, await login(app, sub)), 200);
    const started = performance.now();
    const { code } = await app.stop('SIGTERM');
    return { code, endMs: performance.now() - started, stderr: app.output().stderr };
  } finally {
    await app.stop();
  }
}

describe('the collector at exit', () => {
  test('down: the process ends within the bound (2 s by default), what was not sent is spooled owner-only, and the next start delivers it, sealed', {
    timeout: 60_000,
  }, async () => {
    const dir = spoolDir();
    const receiver = await startReceiver();
    try {
      const first = await runOnce({
        app: jose,
        endpoint: await closedEndpoint(),
        env: { OTEL_SERVICE_NAME: 'spool-test', TOKENTRAIL_SPOOL_DIR: dir },
      });
      assert.equal(first.code, 0);
      console.log(`# collector down: SIGTERM to process end ${Math.round(first.endMs)} ms`);
      assert.ok(first.endMs < 2000, `ended ${Math.round(first.endMs)} ms after SIGTERM`);
      assert.match(
        first.stderr,
        /\[@tokentrail\/register\] \d+ spans and \d+ log records not acknowledged by the collector at exit; spooled to /,
      );
      const files = readdirSync(dir);
      assert.equal(files.length, 1, 'one spool file for the process');
      assert.match(files[0], /\.otlp$/);
      assert.equal(statSync(dir).mode & 0o777, 0o700, 'the spool directory is owner-only');
      assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600, 'the spool file is owner-only');

      // The next start of the same service sends the spool, then removes it.
      const app = await runApp(jose.path, {
        flag: jose.flag,
        endpoint: receiver.endpoint,
        env: {
          ...DEFAULT_DELAYS,
          OTEL_SERVICE_NAME: 'spool-test',
          TOKENTRAIL_SPOOL_DIR: dir,
          TOKENTRAIL_PSEUDONYM_KEY: KEY,
        },
      });
      await receiver.waitFor((r) => r.spans.some((s) => s.kind === SERVER && s.attributes['url.path'] === '/end'));
      await receiver.waitFor(() => readdirSync(dir).length === 0);
      await app.stop('SIGTERM');
      const spooledRun = assertDelivered(receiver, 'the spooled run');
      assert.equal(spooledRun.ownSpans, 2);
      const { status, report } = await verify(receiver);
      assert.equal(status, 0);
      assert.deepEqual(
        report.streams.map((s) => s.sealed),
        [true],
        "the spooled process's trail, sealed (the next one recorded nothing)",
      );
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('hanging: TOKENTRAIL_EXIT_TIMEOUT_MS bounds the end, export timeouts included; a late acknowledgement makes identical copies, which verify --allow-redelivered accepts', {
    timeout: 60_000,
  }, async () => {
    const dir = spoolDir();
    const receiver = await startReceiver();
    try {
      receiver.behaviour = { answerDelayMs: 3000 };
      const first = await runOnce({
        app: cjs,
        endpoint: receiver.endpoint,
        protocol: 'http/json',
        env: { TOKENTRAIL_EXIT_TIMEOUT_MS: '1000', TOKENTRAIL_SPOOL_DIR: dir },
      });
      assert.equal(first.code, 0);
      console.log(
        `# collector hanging, TOKENTRAIL_EXIT_TIMEOUT_MS=1000: SIGTERM to process end ${Math.round(first.endMs)} ms`,
      );
      assert.ok(first.endMs < 1500, `ended ${Math.round(first.endMs)} ms after SIGTERM`);
      assert.equal(readdirSync(dir).length, 1, 'spooled');
      // The receiver kept what it was sent but answered too late: the next start sends the spool again.
      assert.ok(
        receiver.logRecords.some((l) => l.eventName === 'jwt.audit.checkpoint'),
        'received, not acknowledged in time',
      );
      receiver.behaviour = {};
      const app = await runApp(cjs.path, {
        flag: cjs.flag,
        endpoint: receiver.endpoint,
        protocol: 'http/json',
        env: { ...DEFAULT_DELAYS, TOKENTRAIL_SPOOL_DIR: dir, TOKENTRAIL_PSEUDONYM_KEY: KEY },
      });
      await receiver.waitFor(() => readdirSync(dir).length === 0);
      await app.stop('SIGTERM');
      const copies = receiver.logRecords.filter(
        (r) => r.eventName === 'jwt.audit.checkpoint' && r.attributes['jwt.audit.checkpoint.count'] > 0,
      );
      assert.ok(copies.length >= 2, 'the spooled records arrived again');
      assert.notEqual((await verify(receiver)).status, 0, 'duplicates are reported without the flag');
      const { status, report } = await verify(receiver, '--allow-redelivered');
      assert.equal(status, 0, 'identical copies are accepted');
      assert.ok(report.streams.every((s) => s.sealed));
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the spool is capped: what does not fit is counted and reported, not silently dropped', {
    timeout: 30_000,
  }, async () => {
    const dir = spoolDir();
    try {
      const run = await runOnce({
        app: jose,
        endpoint: await closedEndpoint(),
        env: { TOKENTRAIL_SPOOL_DIR: dir, TOKENTRAIL_SPOOL_MAX_BYTES: '300' },
      });
      assert.equal(run.code, 0);
      assert.match(
        run.stderr,
        /\[@tokentrail\/register\] \d+ (spans|log records)( and \d+ log records)? not acknowledged by the collector at exit and not spooled \(the spool is full \(300 bytes\)\); lost/,
      );
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two processes of one service: each spools its own file, and two starting together send each record once', {
    timeout: 60_000,
  }, async () => {
    const dir = spoolDir();
    const receiver = await startReceiver();
    try {
      const endpoint = await closedEndpoint();
      const ended = await Promise.all(
        ['first-user', 'second-user'].map((sub) =>
          runOnce({ app: cjs, endpoint, sub, env: { TOKENTRAIL_SPOOL_DIR: dir } }),
        ),
      );
      assert.deepEqual(
        ended.map((e) => e.code),
        [0, 0],
      );
      assert.equal(readdirSync(dir).filter((n) => n.endsWith('.otlp')).length, 2, 'one file per process');
      const apps = await Promise.all(
        [0, 1].map(() =>
          runApp(cjs.path, {
            flag: cjs.flag,
            endpoint: receiver.endpoint,
            env: { ...DEFAULT_DELAYS, TOKENTRAIL_SPOOL_DIR: dir, TOKENTRAIL_PSEUDONYM_KEY: KEY },
          }),
        ),
      );
      await receiver.waitFor(() => readdirSync(dir).length === 0);
      await Promise.all(apps.map((app) => app.stop('SIGTERM')));
      const ends = receiver.spans.filter((s) => s.kind === SERVER && s.attributes['url.path'] === '/end');
      assert.equal(ends.length, 2, 'each spooled /end span arrived once');
      assert.equal(new Set(ends.map((s) => s.spanId)).size, 2);
      const { status } = await verify(receiver);
      assert.equal(status, 0, 'no record twice: verify passes without --allow-redelivered');
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the SDK started in code with exitSafeTelemetry() from @tokentrail/register/exit-safe: process.exit() delivers the same', {
  timeout: 30_000,
}, async () => {
  const dir = spoolDir();
  const receiver = await startReceiver();
  const app = await runApp(jose.path, {
    preload: join(here, 'fixtures', 'exit', 'sdk-in-code.mjs'),
    endpoint: receiver.endpoint,
    protocol: 'http/json',
    env: { ...DEFAULT_DELAYS, EXIT_MODE: 'exit', TOKENTRAIL_PSEUDONYM_KEY: KEY, TOKENTRAIL_SPOOL_DIR: dir },
  });
  try {
    assert.equal(await endRequest(app, await login(app, 'in-code')), 200);
    assert.equal((await app.exited).code, 0);
    assertDelivered(receiver, 'SDK in code');
    const { status, report } = await verify(receiver);
    assert.equal(status, 0);
    assert.deepEqual(
      report.streams.map((s) => s.sealed),
      [true],
    );
  } finally {
    await app.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL loses at most what was recorded within the last batch delay: everything older has arrived', {
  timeout: 30_000,
}, async () => {
  const receiver = await startReceiver();
  const app = await runApp(jose.path, {
    flag: jose.flag,
    endpoint: receiver.endpoint,
    env: { TOKENTRAIL_PSEUDONYM_KEY: KEY, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200' },
  });
  try {
    assert.equal(await endRequest(app, await login(app, 'killed')), 200);
    await new Promise((r) => setTimeout(r, 1000));
    await app.stop('SIGKILL');
    // SIGKILL runs no code at all: no closing checkpoint, but everything recorded before the last delay arrived.
    assertDelivered(receiver, 'before SIGKILL', { sealed: false });
    assert.equal((await verify(receiver, '--allow-open')).status, 0);
  } finally {
    await app.stop();
    await receiver.close();
  }
});
