/** The documentation is kept true by this test: attribute reference, vocabularies, options and versions. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  AUTHZ_OUTCOMES, DETECTORS, FINDINGS, FINDING_SEVERITY, LIBRARIES, LIFECYCLE_STEPS, OPERATIONS, OUTCOMES, REASONS, REQUEST_FINDINGS,
  REVOCATION_REASONS, SEVERITIES, TOKEN_SOURCES,
} from '@tokentrail/instrumentation-jwt';

const require = createRequire(import.meta.url);
const pkgDir = new URL('../packages/instrumentation-jwt/', import.meta.url);
const read = (url) => readFileSync(url, 'utf8');
const semconvDoc = read(new URL('../docs/semantic-conventions.md', import.meta.url));
const pkgReadme = read(new URL('README.md', pkgDir));
const built = (path) => require(new URL(`build/${path}`, pkgDir).pathname);

test('every attribute and instrument name in semconv.ts is documented', () => {
  const names = Object.entries(built('semconv.js')).filter(([key]) => /^(ATTR_|METRIC_|JWT_|EVENT_)/.test(key));
  assert.ok(names.some(([key]) => key === 'ATTR_ERROR_TYPE'), 'stable names are re-exported too');
  for (const [key, name] of names) {
    const documented = key.endsWith('_PREFIX') ? `\`${name}<name>\`` : `\`${name}\``;
    assert.ok(semconvDoc.includes(documented), `${key} (${documented}) is missing from docs/semantic-conventions.md`);
  }
});

test('every closed-vocabulary value is documented', () => {
  const vocabularies = [...OPERATIONS, ...OUTCOMES, ...REASONS, ...LIBRARIES, ...AUTHZ_OUTCOMES, ...REQUEST_FINDINGS, ...TOKEN_SOURCES];
  for (const value of [...vocabularies, ...DETECTORS, ...LIFECYCLE_STEPS, ...REVOCATION_REASONS]) {
    assert.ok(semconvDoc.includes(`\`${value}\``), `${value} is missing from docs/semantic-conventions.md`);
  }
  const reasonRows = [...semconvDoc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \|[^|]*\|[^|]*\|$/gm)].map((m) => m[1]);
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

test('the supported-versions table matches what each adapter declares', () => {
  for (const [file, name] of [['adapters/jose.js', 'joseAdapter'], ['adapters/jsonwebtoken.js', 'jsonwebtokenAdapter']]) {
    const adapter = built(file)[name];
    const row = pkgReadme.match(new RegExp(`^\\| \`${adapter.packageName}\` \\| \`([^\`]+)\` \\|`, 'm'));
    assert.ok(row, `${adapter.packageName} has no row`);
    assert.deepEqual([row[1]], adapter.supportedVersions);
  }
});

test('the instrumentation scope version is the package version', () => {
  const { version } = JSON.parse(read(new URL('package.json', pkgDir)));
  assert.equal(built('version.js').PACKAGE_VERSION, version);
});

test('the library versions the tests run against are inside the declared ranges', () => {
  for (const [file, name] of [['adapters/jose.js', 'joseAdapter'], ['adapters/jsonwebtoken.js', 'jsonwebtokenAdapter']]) {
    const adapter = built(file)[name];
    const { version } = require(`${adapter.packageName}/package.json`);
    const [, lowest, below] = adapter.supportedVersions[0].match(/^>=(\d+)\.0\.0 <(\d+)$/).map(Number);
    const major = Number(version.split('.')[0]);
    assert.ok(major >= lowest && major < below, `${adapter.packageName}@${version} is tested but outside ${adapter.supportedVersions}`);
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
  const { DEFAULT_DETECTORS } = built('intel-settings.js');
  for (const name of DETECTORS) {
    const row = page.match(new RegExp(`^\\| \`${name}\` \\| .+ \\| (\\d+)[^|/]*/ (\\d+) s \\|$`, 'm'));
    assert.ok(row, `${name} has a row`);
    assert.deepEqual([Number(row[1]), Number(row[2])], [DEFAULT_DETECTORS[name].threshold, DEFAULT_DETECTORS[name].windowSeconds], name);
  }
  assert.ok(page.includes(`at most \`maxKeys\` keys (default ${built('intel-settings.js').DEFAULT_DETECTOR_MAX_KEYS.toLocaleString('en-US')})`));
});

test('docs/lifecycle.md documents the denylist cap and every revocation reason', () => {
  const page = docPage('lifecycle.md');
  const { DENYLIST_SIZE } = built('lifecycle/revocation.js');
  assert.ok(page.includes(`at most ${DENYLIST_SIZE.toLocaleString('en-US')} entries`));
  for (const reason of REVOCATION_REASONS) assert.ok(page.includes(`\`${reason}\``), reason);
  for (const step of LIFECYCLE_STEPS) assert.ok(page.includes(`\`${step}\``), step);
});

test('the root README documents every tokentrail command with an example and the exit status its --help gives', async () => {
  const readme = read(new URL('../README.md', import.meta.url));
  const { spawnSync } = await import('node:child_process');
  const cli = new URL('../packages/cli/build/bin.js', import.meta.url).pathname;
  const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  const commands = [...top.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
  assert.deepEqual(commands, ['verify', 'inspect', 'scan']);
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
