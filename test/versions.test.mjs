/**
 * Every supported range at its lowest and highest release (test/support/tested-versions.mjs), as
 * opentelemetry-js-contrib's test-all-versions does: each version is installed under an npm alias in
 * test/package.json, and a child app loads it under its real name from a directory whose node_modules links
 * that name to the alias, so the instrumentation's hooks (require-in-the-middle, import-in-the-middle, the
 * supported-versions check) see exactly what an application with that version installed would give them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TESTED_LIBRARIES, TESTED_MIDDLEWARES } from './support/tested-versions.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const testModules = join(here, 'node_modules');
const work = mkdtempSync(join(tmpdir(), 'tokentrail-versions-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A directory with the test package's dependencies linked by name, and `packageName` linked to `install`. */
function appWith(packageName, install) {
  const dir = mkdtempSync(join(work, 'app-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(testModules).filter((e) => !e.startsWith('.'))) {
    if (!entry.startsWith('@')) {
      symlinkSync(realpathSync(join(testModules, entry)), join(modules, entry));
      continue;
    }
    mkdirSync(join(modules, entry));
    for (const scoped of readdirSync(join(testModules, entry)))
      symlinkSync(realpathSync(join(testModules, entry, scoped)), join(modules, entry, scoped));
  }
  rmSync(join(modules, packageName), { force: true });
  symlinkSync(realpathSync(join(testModules, install)), join(modules, packageName));
  copyFileSync(join(here, 'fixtures', 'versions-app.mjs'), join(dir, 'app.mjs'));
  return dir;
}

function runApp(dir, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(here, 'fixtures', 'preload.mjs'), 'app.mjs'], {
      cwd: dir,
      env: { ...process.env, ...env, TOKENTRAIL_TEST_SUPPORT: join(here, 'support') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = (prefix) =>
        stdout
          .split('\n')
          .find((l) => l.startsWith(prefix))
          ?.slice(prefix.length);
      resolve({
        code,
        stderr,
        result: JSON.parse(line('RESULT ') ?? 'null'),
        telemetry: JSON.parse(line('TELEMETRY ') ?? 'null'),
      });
    });
  });
}

/** Every verify's audit record: its own jwt.verify record, or the jwt.request record of the request that carried it. */
const verdicts = (logRecords) =>
  logRecords
    .filter(
      (r) =>
        r.eventName === 'jwt.verify' || (r.eventName === 'jwt.request' && r.attributes['jwt.operation'] === 'verify'),
    )
    .map((r) => [
      r.attributes['jwt.library'],
      r.attributes['jwt.validation.outcome'],
      r.attributes['jwt.validation.reason'] ?? null,
    ])
    .sort();

for (const [kind, rows] of [
  ['library', TESTED_LIBRARIES],
  ['middleware', TESTED_MIDDLEWARES],
]) {
  for (const row of rows) {
    describe(`${row.scenario} ${row.range} (${kind})`, { concurrency: true }, () => {
      for (const { install, version } of row.tested) {
        test(`${row.package}@${version}, loaded as ${row.package}, is recorded`, async () => {
          const { code, stderr, result, telemetry } = await runApp(appWith(row.package, install), {
            VERSION_PACKAGE: row.package,
            VERSION_SCENARIO: row.scenario,
          });
          assert.equal(code, 0, stderr);
          assert.equal(result.version, version, `the app loaded ${row.package}@${version}`);
          if (row.scenario === 'jwks-rsa') {
            assert.deepEqual(result.seen[0], 'ok', 'the key was found');
            const fetches = telemetry.spans.filter((s) => s.name === 'jwt.jwks.fetch');
            assert.equal(fetches.length, 2, 'one jwt.jwks.fetch span per lookup');
            for (const span of fetches) assert.equal(span.attributes['jwt.jwks.client'], 'jwks-rsa');
            return;
          }
          assert.deepEqual(
            result.seen,
            kind === 'library' ? ['ok', result.seen[1]] : [200, 401],
            'a valid token passes, an expired one does not',
          );
          assert.notEqual(result.seen[1], 'ok');
          assert.deepEqual(
            verdicts(telemetry.logRecords),
            [
              [row.library, 'invalid', 'expired'],
              [row.library, 'valid', null],
            ],
            'one audit record per verify, with its outcome',
          );
        });
      }
    });
  }
}
