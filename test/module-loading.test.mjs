/**
 * Every way an application reaches the libraries is seen, each in a fresh process where loading order is
 * real: the package itself by `import` and by `require()`; jose by named, namespace, subpath and dynamic
 * import and through require(esm); jsonwebtoken from CommonJS and as ESM's default export.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const cwd = dirname(fileURLToPath(import.meta.url));

async function runFixture(preloadFlag, preload, app) {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [preloadFlag, preload, app], {
    cwd,
    timeout: 30_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('TELEMETRY '));
  assert.ok(line, `fixture printed no telemetry; stderr:\n${stderr}`);
  assert.doesNotMatch(stderr, /Error|Cannot redefine/, 'the fixture ran without errors');
  return JSON.parse(line.slice('TELEMETRY '.length));
}

function jwtSpans({ spans }) {
  return spans
    .filter((s) => s.name.startsWith('jwt.'))
    .map((s) => `${s.name} ${s.attributes['jwt.library']} ${s.attributes['jwt.validation.outcome'] ?? '-'}`);
}

test('ESM app: jose through named, namespace, subpath and dynamic imports (package loaded by import)', async () => {
  const telemetry = await runFixture('--import', './fixtures/preload.mjs', 'fixtures/esm-jose-app.mjs');
  assert.deepEqual(jwtSpans(telemetry), [
    'jwt.sign jose -',
    'jwt.verify jose valid', // named import
    'jwt.verify jose valid', // namespace import
    'jwt.verify jose valid', // 'jose/jwt/verify'
    'jwt.decode jose unverified', // 'jose/jwt/decode'
    'jwt.verify jose valid', // dynamic import()
  ]);
  assert.equal(telemetry.logRecords.length, 6);
});

for (const [flag, preload] of [
  ['--import', './fixtures/preload.mjs'],
  ['--require', './fixtures/preload.cjs'],
]) {
  test(`CommonJS app: jose through require(esm) (package loaded by ${flag === '--import' ? 'import' : 'require()'})`, async () => {
    const telemetry = await runFixture(flag, preload, 'fixtures/cjs-require-jose-app.cjs');
    assert.deepEqual(jwtSpans(telemetry), ['jwt.sign jose -', 'jwt.verify jose valid', 'jwt.decode jose unverified']);
  });
}

test('CommonJS app: jsonwebtoken, spans are children of the active request span (package loaded by require())', async () => {
  const telemetry = await runFixture('--require', './fixtures/preload.cjs', 'fixtures/cjs-jsonwebtoken-app.cjs');
  assert.deepEqual(jwtSpans(telemetry), [
    'jwt.sign jsonwebtoken -',
    'jwt.verify jsonwebtoken valid',
    'jwt.decode jsonwebtoken unverified',
  ]);
  const request = telemetry.spans.find((s) => s.name === 'request');
  const verify = telemetry.spans.find((s) => s.name === 'jwt.verify');
  assert.equal(verify.parentSpanId, request.spanId);
  const verifyLog = telemetry.logRecords.find((r) => r.eventName === 'jwt.verify');
  assert.equal(verifyLog.spanId, verify.spanId);
});

test('ESM app: jsonwebtoken as the default export', async () => {
  const telemetry = await runFixture('--import', './fixtures/preload.mjs', 'fixtures/esm-jsonwebtoken-app.mjs');
  assert.deepEqual(jwtSpans(telemetry), [
    'jwt.sign jsonwebtoken -',
    'jwt.verify jsonwebtoken valid',
    'jwt.decode jsonwebtoken unverified',
  ]);
});

test('ESM app: fast-jwt through named and default imports and require(); CommonJS app with a key callback', async () => {
  const esm = await runFixture('--import', './fixtures/preload.mjs', 'fixtures/esm-fast-jwt-app.mjs');
  assert.deepEqual(jwtSpans(esm), [
    'jwt.sign fast-jwt -',
    'jwt.verify fast-jwt valid', // named import
    'jwt.verify fast-jwt valid', // default import, key fetcher
    'jwt.decode fast-jwt unverified',
    'jwt.verify fast-jwt valid', // require()
  ]);
  const cjs = await runFixture('--require', './fixtures/preload.cjs', 'fixtures/cjs-fast-jwt-app.cjs');
  assert.deepEqual(jwtSpans(cjs), ['jwt.sign fast-jwt -', 'jwt.verify fast-jwt valid']);
});

test('ESM app: hono/jwt and hono/utils/jwt by import, and hono/jwt by require()', async () => {
  const telemetry = await runFixture('--import', './fixtures/preload.mjs', 'fixtures/esm-hono-app.mjs');
  assert.deepEqual(jwtSpans(telemetry), [
    'jwt.sign hono -',
    'jwt.verify hono valid', // 'hono/jwt'
    'jwt.verify hono valid', // Jwt from 'hono/utils/jwt'
    'jwt.decode hono unverified',
    'jwt.verify hono valid', // require('hono/jwt')
  ]);
});

test('explicit wrapper: wrapModule() records a library the module hooks cannot reach', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['fixtures/explicit-wrapper-app.mjs'], {
    cwd,
    timeout: 30_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('TELEMETRY '));
  assert.ok(line, stderr);
  // SignJWT is a shared class: wrapping jose patches its prototype, so the sign made before wrapping is not
  // recorded and the verify made before wrapping is not either.
  assert.deepEqual(jwtSpans(JSON.parse(line.slice('TELEMETRY '.length))), [
    'jwt.verify jose valid',
    'jwt.decode jose unverified',
    'jwt.sign jsonwebtoken -',
    'jwt.verify jsonwebtoken valid',
  ]);
});
