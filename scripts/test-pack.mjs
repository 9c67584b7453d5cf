#!/usr/bin/env node
/**
 * The packages as users get them: each workspace package is packed (`pnpm pack`, which turns `workspace:*`
 * into versions), the tarballs are checked for what they publish, installed with plain npm into a fresh app
 * in a temporary directory (no workspace, no pnpm), and that app runs under `--import @tokentrail/register`
 * on Node 24 and 22, exporting OTLP/JSON to the strict receiver: its jose and jsonwebtoken verifies must
 * arrive as `jwt.verify` spans and log records. The installed `tokentrail` command runs too.
 *
 *   pnpm test:pack        (after pnpm build; needs the npm registry for the packages' own dependencies)
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../tools/otlp-receiver/src/receiver.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['instrumentation-jwt', 'register', 'cli'];
const RUNTIMES = ['24', '22'];
const nodeBin = (runtime) => join(root, 'node_modules', `node${runtime}`, 'bin');
const work = mkdtempSync(join(tmpdir(), 'tokentrail-pack-'));
const step = (text) => console.log(`# ${text}`);

/** Runs a command, returning its standard output; its standard error is shown only when it fails. */
function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${error.stdout}\n${error.stderr}`);
  }
}

/** Packs one package into `work` and checks what the tarball holds; returns the tarball's path. */
function pack(name) {
  const dir = join(root, 'packages', name);
  const before = new Set(readdirSync(work));
  run('npx', ['-y', 'pnpm@12.21.0', 'pack', '--pack-destination', work], { cwd: dir });
  const tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz') && !before.has(f)),
  );
  const files = run('tar', ['-tzf', tarball])
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  for (const required of ['package.json', 'README.md', 'LICENSE'])
    assert.ok(files.includes(required), `${name} publishes ${required}`);
  const unexpected = files.filter(
    (f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !/^build\/.+\.(js|mjs|d\.ts|d\.mts)$/.test(f),
  );
  assert.deepEqual(unexpected, [], `${name} publishes only its build, README, LICENSE and package.json`);
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']));
  const workspaceRanges = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(([, v]) =>
    v.startsWith('workspace:'),
  );
  assert.deepEqual(workspaceRanges, [], `${name}'s published dependencies name versions`);
  assert.equal(manifest.license, 'Apache-2.0');
  step(`${manifest.name}@${manifest.version}: ${files.length} files`);
  return { tarball, manifest };
}

const APP = `
import { SignJWT, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';

const secret = 'pack-test-secret-0123456789abcdef';
const token = await new SignJWT({ scope: 'read' }).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1')
  .setIssuer('https://idp.example').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { issuer: 'https://idp.example' });
const decoded = jsonwebtoken.verify(token, secret, { algorithms: ['HS256'] });
if (payload.sub !== 'user-1' || decoded.sub !== 'user-1') throw new Error('verification changed');
console.log(token);
`;

function exitOf(child) {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runApp(app, runtime) {
  const receiver = await startReceiver();
  try {
    const child = spawn(join(nodeBin(runtime), 'node'), ['--import', '@tokentrail/register', 'app.mjs'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        OTEL_SERVICE_NAME: 'pack-test',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRICS_EXPORTER: 'none',
        TOKENTRAIL_PSEUDONYM_KEY: 'pack-test-pseudonym-key-0123456789',
      },
    });
    const { code, stdout, stderr } = await exitOf(child);
    assert.equal(code, 0, `the app exits cleanly on Node ${runtime}:\n${stderr}`);
    assert.deepEqual(receiver.rejected, [], 'every export passed strict validation');
    const verifies = receiver.spans.filter((s) => s.name === 'jwt.verify');
    assert.deepEqual(
      verifies.map((s) => s.attributes['jwt.library']).sort(),
      ['jose', 'jsonwebtoken'],
      'one jwt.verify span per library',
    );
    for (const span of verifies) assert.equal(span.attributes['jwt.validation.outcome'], 'valid');
    const records = receiver.logRecords.filter((r) => r.eventName === 'jwt.verify');
    assert.equal(records.length, 2, 'one jwt.verify log record per verify');
    for (const record of records)
      assert.equal(typeof record.attributes['jwt.audit.seq'], 'number', 'the record is on the audit trail');
    const token = stdout.trim().split('\n').at(-1);
    const everything = JSON.stringify(receiver.accepted);
    for (const part of token.split('.')) assert.ok(!everything.includes(part), 'no token segment is exported');
    step(
      `Node ${runtime}: jwt.verify recorded for jose and jsonwebtoken, ${records.length} audit records, nothing leaked`,
    );
    return token;
  } finally {
    await receiver.close();
  }
}

const started = Date.now();
try {
  const packed = Object.fromEntries(PACKAGES.map((name) => [name, pack(name)]));
  const app = join(work, 'app');
  mkdirSync(app);
  const local = Object.fromEntries(
    Object.values(packed).map(({ tarball, manifest }) => [manifest.name, `file:${tarball}`]),
  );
  const testDeps = JSON.parse(readFileSync(join(root, 'test', 'package.json'), 'utf8')).dependencies;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'pack-test-app',
        private: true,
        type: 'module',
        dependencies: { ...local, jose: testDeps.jose, jsonwebtoken: testDeps.jsonwebtoken },
        // The packages depend on each other by version: resolve those to the tarballs too, never to the registry.
        overrides: local,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(app, 'app.mjs'), APP);
  const env = {
    ...process.env,
    PATH: `${nodeBin('24')}:${process.env.PATH}`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const key of Object.keys(env))
    if (key.startsWith('npm_package_') || key === 'npm_config_user_agent' || key === 'npm_execpath') delete env[key];
  run('npm', ['install', '--no-package-lock', '--loglevel=error'], { cwd: app, env });
  step(`npm installed the tarballs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let token;
  for (const runtime of RUNTIMES) token = await runApp(app, runtime);
  const cli = run(
    join(nodeBin('24'), 'node'),
    [join(app, 'node_modules', '@tokentrail', 'cli', 'build', 'bin.js'), 'inspect', '--json', token],
    { cwd: app },
  );
  assert.equal(
    JSON.parse(cli).attributes['jwt.header.alg'],
    'HS256',
    'the installed tokentrail inspect reads the token',
  );
  step('tokentrail inspect runs from the installed package');
  console.log(`pack test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
