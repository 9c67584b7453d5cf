/** The documentation is kept true by this test: attribute reference, vocabularies, options and versions. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  AUTHZ_OUTCOMES, DETECTORS, FINDINGS, FINDING_SEVERITY, KEY_SET_CACHE_RESULTS, KEY_SET_CLIENTS, LIBRARIES, LIFECYCLE_STEPS, OPERATIONS,
  OUTCOMES, REASONS, REQUEST_FINDINGS, REVOCATION_REASONS, SEVERITIES, TOKEN_SOURCES,
} from '@tokentrail/instrumentation-jwt';

const require = createRequire(import.meta.url);
const pkgDir = new URL('../packages/instrumentation-jwt/', import.meta.url);
const read = (url) => readFileSync(url, 'utf8');
const semconvDoc = read(new URL('../docs/semantic-conventions.md', import.meta.url));
const pkgReadme = read(new URL('README.md', pkgDir));
const built = (path) => require(new URL(`build/${path}`, pkgDir).pathname);
const ADAPTERS = [
  ['adapters/jose.js', 'joseAdapter'], ['adapters/jsonwebtoken.js', 'jsonwebtokenAdapter'], ['adapters/fast-jwt.js', 'fastJwtAdapter'],
  ['adapters/hono.js', 'honoAdapter'], ['adapters/jwks-rsa.js', 'jwksRsaAdapter'],
];

test('every attribute and instrument name in semconv.ts is documented', () => {
  const names = Object.entries(built('semconv.js')).filter(([key]) => /^(ATTR_|METRIC_|JWT_|EVENT_|SPAN_)/.test(key));
  assert.ok(names.some(([key]) => key === 'ATTR_ERROR_TYPE'), 'stable names are re-exported too');
  for (const [key, name] of names) {
    const documented = key.endsWith('_PREFIX') ? `\`${name}<name>\`` : `\`${name}\``;
    assert.ok(semconvDoc.includes(documented), `${key} (${documented}) is missing from docs/semantic-conventions.md`);
  }
});

test('every closed-vocabulary value is documented', () => {
  const vocabularies = [...OPERATIONS, ...OUTCOMES, ...REASONS, ...LIBRARIES, ...AUTHZ_OUTCOMES, ...REQUEST_FINDINGS, ...TOKEN_SOURCES];
  for (const value of [...vocabularies, ...DETECTORS, ...LIFECYCLE_STEPS, ...REVOCATION_REASONS, ...KEY_SET_CLIENTS, ...KEY_SET_CACHE_RESULTS]) {
    assert.ok(semconvDoc.includes(`\`${value}\``), `${value} is missing from docs/semantic-conventions.md`);
  }
  const reasonRows = [...semconvDoc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \|(?:[^|]*\|){4}$/gm)].map((m) => m[1]);
  assert.deepEqual(reasonRows.filter((r) => REASONS.includes(r)).sort(), [...REASONS].sort(), 'the reason table has one row per reason');
});

test('the options table lists exactly the options of JwtInstrumentationConfig', () => {
  const declaration = read(new URL('build/types.d.ts', pkgDir));
  const body = declaration.slice(declaration.indexOf('interface JwtInstrumentationConfig'));
  const options = [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {4}(\w+)\?:/gm)].map((m) => m[1]);
  const table = pkgReadme.slice(pkgReadme.indexOf('## Options'), pkgReadme.indexOf('| Environment variable'));
  const rows = [...table.matchAll(/^\| `(\w+)` \| /gm)].map((m) => m[1]);
  assert.ok(options.length > 5, 'options were read from the declaration');
  assert.deepEqual(rows.sort(), ['enabled', ...options].sort(), 'one row per option, none missing, none extra');
});

/** A row of the package README's supported-versions table: its versions cell, as a list of ranges. */
function versionsRow(packageName) {
  const row = pkgReadme.match(new RegExp(`^\\| \`${packageName}\` \\| ((?:\`[^\`]+\`(?:, )?)+) \\|`, 'm'));
  assert.ok(row, `${packageName} has no row`);
  return [...row[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

test('the supported-versions table matches what each adapter declares', () => {
  for (const [file, name] of ADAPTERS) {
    const adapter = built(file)[name];
    assert.deepEqual(versionsRow(adapter.packageName), adapter.supportedVersions);
  }
});

test('the instrumentation scope version is the package version', () => {
  const { version } = JSON.parse(read(new URL('package.json', pkgDir)));
  assert.equal(built('version.js').PACKAGE_VERSION, version);
});

/** The installed version of a package, found from its resolved entry point (some packages do not export package.json). */
function installedVersion(name, from = require) {
  let dir = dirname(from.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) dir = dirname(dir);
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/** Whether `version` is inside one of the `>=A.B.C <D` ranges the adapters declare. */
function inRanges(version, ranges) {
  const parts = (v) => v.split('.').map(Number);
  const compare = (a, b) => a.reduce((diff, x, i) => diff || x - (b[i] ?? 0), 0);
  return ranges.some((range) => {
    const [, lowest, below] = range.match(/^>=(\d+\.\d+\.\d+) <(\d+)$/);
    return compare(parts(version), parts(lowest)) >= 0 && parts(version)[0] < Number(below);
  });
}

test('the library versions the tests run against are inside the declared ranges, every declared range is tested', () => {
  // jose 4 is reached as the dependency of express-oauth2-jwt-bearer.
  const middlewareRequire = createRequire(require.resolve('express-oauth2-jwt-bearer'));
  const tested = { jose: [installedVersion('jose'), installedVersion('jose', middlewareRequire)] };
  for (const [file, name] of ADAPTERS) {
    const adapter = built(file)[name];
    const versions = tested[adapter.packageName] ?? [installedVersion(adapter.packageName)];
    for (const version of versions) assert.ok(inRanges(version, adapter.supportedVersions), `${adapter.packageName}@${version} is tested but outside ${adapter.supportedVersions}`);
    for (const range of adapter.supportedVersions) assert.ok(versions.some((v) => inRanges(v, [range])), `${adapter.packageName} ${range} is declared but not tested`);
  }
});

test('the middlewares table names the exact versions the middleware tests install', () => {
  const table = pkgReadme.slice(pkgReadme.indexOf('### Middlewares'), pkgReadme.indexOf('## Usage'));
  const rows = [...table.matchAll(/^\| `([^`]+)`(?: \([^)]*\))? \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]);
  const { dependencies } = JSON.parse(read(new URL('package.json', import.meta.url)));
  assert.deepEqual(rows.map(([name]) => name).sort(), ['@fastify/jwt', 'express-jwt', 'express-oauth2-jwt-bearer', 'hono', 'koa-jwt', 'passport-jwt']);
  for (const [name, version] of rows) {
    assert.equal(dependencies[name], version, `${name} is pinned at the version the table shows`);
    assert.equal(installedVersion(name), version, `${name}@${version} is what is installed`);
  }
});

test('the root README names every tested middleware at its installed version, and every adapter', () => {
  const rootReadme = read(new URL('../README.md', import.meta.url));
  const table = rootReadme.slice(rootReadme.indexOf('## Supported versions'), rootReadme.indexOf('## Guarantees'));
  for (const name of ['express-jwt', 'passport-jwt', 'koa-jwt', '@fastify/jwt', 'express-oauth2-jwt-bearer', 'hono', '@hono/node-server']) {
    assert.ok(table.includes(`${name} ${installedVersion(name)}`), `${name} ${installedVersion(name)} is in the root README's table`);
  }
  for (const [file, name] of ADAPTERS) {
    const { library, supportedVersions } = built(file)[name];
    for (const range of supportedVersions) {
      const major = range.match(/^>=(\d+)\./)[1];
      assert.match(table, new RegExp(`^\\| [^|]*${library}[^|]*\\|[^|]*\\b${major}\\.`, 'm'), `${library} ${major}.x is in the root README's table`);
    }
  }
});

test('the register README documents every TOKENTRAIL_* variable it reads', () => {
  const readme = read(new URL('../packages/register/README.md', import.meta.url));
  const { ENV_VARIABLES } = require('@tokentrail/register/env-config');
  const rows = [...readme.matchAll(/^\| `(TOKENTRAIL_\w+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows.map(([name]) => name).sort(), Object.keys(ENV_VARIABLES).sort());
  for (const [name, text] of rows) assert.equal(text, ENV_VARIABLES[name], `${name} is described as in the code`);
});

test('the audit trail page documents every jwt.audit.* attribute and the checkpoint record', () => {
  const page = read(new URL('../docs/audit-trail.md', import.meta.url));
  const names = Object.entries(built('semconv.js')).filter(([key]) => key.startsWith('ATTR_JWT_AUDIT_') || key === 'EVENT_JWT_AUDIT_CHECKPOINT');
  assert.ok(names.length >= 8, 'the audit trail names were read from semconv');
  for (const [key, name] of names) assert.ok(page.includes(`\`${name}\``), `${key} (${name}) is missing from docs/audit-trail.md`);
  const { CANONICAL_VERSION, CHECKPOINT_VERSION } = built('audit-trail/canonical.js');
  for (const reason of built('audit-trail/canonical.js').CHECKPOINT_REASONS) {
    assert.ok(page.includes(`\`${reason}\``) && semconvDoc.includes(`\`${reason}\``), `checkpoint reason ${reason} is documented`);
  }
  assert.ok(page.includes(`["${CANONICAL_VERSION}", TIME, BODY, ATTRIBUTES]`), 'the canonical form names its version');
  assert.ok(page.includes(`["${CHECKPOINT_VERSION}",STREAM,COUNT,HEAD,REASON]`), 'the checkpoint statement names its version');
});

const docPage = (name) => read(new URL(`../docs/${name}`, import.meta.url));

test('docs/findings.md has one row per finding, with the severity the code gives it', () => {
  const page = docPage('findings.md');
  const rows = [...page.matchAll(/^\| (`[a-z0-9_]+`(?:, `[a-z0-9_]+`)*) \| (low|medium|high|critical) \|/gm)];
  const documented = new Map(rows.flatMap((m) => [...m[1].matchAll(/`([a-z0-9_]+)`/g)].map((f) => [f[1], m[2]])));
  assert.deepEqual([...documented.keys()].sort(), [...FINDINGS].sort(), 'every finding, and no other, has a row');
  for (const finding of FINDINGS) assert.equal(documented.get(finding), FINDING_SEVERITY[finding], `${finding} severity`);
  assert.deepEqual([...SEVERITIES], ['low', 'medium', 'high', 'critical']);
});

test('docs/detectors.md documents every detector with its default threshold and window', async () => {
  const page = docPage('detectors.md');
  const { DEFAULT_DETECTORS } = built('insight-settings.js');
  for (const name of DETECTORS) {
    const row = page.match(new RegExp(`^\\| \`${name}\` \\| .+ \\| (\\d+)[^|/]*/ (\\d+) s \\|$`, 'm'));
    assert.ok(row, `${name} has a row`);
    assert.deepEqual([Number(row[1]), Number(row[2])], [DEFAULT_DETECTORS[name].threshold, DEFAULT_DETECTORS[name].windowSeconds], name);
  }
  assert.ok(page.includes(`at most \`maxKeys\` keys (default ${built('insight-settings.js').DEFAULT_DETECTOR_MAX_KEYS.toLocaleString('en-US')})`));
});

test('docs/lifecycle.md documents the denylist cap and every revocation reason', () => {
  const page = docPage('lifecycle.md');
  const { DENYLIST_SIZE } = built('lifecycle/revocation.js');
  assert.ok(page.includes(`at most ${DENYLIST_SIZE.toLocaleString('en-US')} entries`));
  for (const reason of REVOCATION_REASONS) assert.ok(page.includes(`\`${reason}\``), reason);
  for (const step of LIFECYCLE_STEPS) assert.ok(page.includes(`\`${step}\``), step);
});

test('the READMEs document every tokentrail command with an example and the exit status its --help gives', async () => {
  const readme = read(new URL('../README.md', import.meta.url)) + read(new URL('../packages/cli/README.md', import.meta.url));
  const { spawnSync } = await import('node:child_process');
  const cli = new URL('../packages/cli/build/bin.js', import.meta.url).pathname;
  const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  const commands = [...top.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
  assert.deepEqual(commands, ['verify', 'report', 'inspect', 'scan']);
  for (const command of commands) {
    const start = readme.indexOf(`### \`tokentrail ${command} `);
    assert.ok(start > 0, `${command} has a README section`);
    const section = readme.slice(start, readme.indexOf('\n### ', start + 1) === -1 ? undefined : readme.indexOf('\n### ', start + 1));
    assert.match(section, new RegExp(`\\$ pnpm exec tokentrail ${command} `), `${command} has an example`);
    const rows = [...section.matchAll(/^\| ([012]) \| /gm)].map((m) => m[1]);
    assert.deepEqual(rows, ['0', '1', '2'], `${command} documents exit status 0, 1 and 2`);
    const help = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' }).stdout;
    assert.match(help, /Exit status: 0 .*; 1 .*;\s+2 /s, `${command} --help gives its exit status`);
  }
});
