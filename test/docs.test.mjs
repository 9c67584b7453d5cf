/** The documentation is kept true by this test: attribute reference, vocabularies, options and versions. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { AUTHZ_OUTCOMES, LIBRARIES, OPERATIONS, OUTCOMES, REASONS, REQUEST_FINDINGS, TOKEN_SOURCES } from '@tokentrail/instrumentation-jwt';

const require = createRequire(import.meta.url);
const pkgDir = new URL('../packages/instrumentation-jwt/', import.meta.url);
const read = (url) => readFileSync(url, 'utf8');
const semconvDoc = read(new URL('../docs/semantic-conventions.md', import.meta.url));
const pkgReadme = read(new URL('README.md', pkgDir));
const built = (path) => require(new URL(`build/${path}`, pkgDir).pathname);
const ADAPTERS = [['adapters/jose.js', 'joseAdapter'], ['adapters/jsonwebtoken.js', 'jsonwebtokenAdapter'], ['adapters/fast-jwt.js', 'fastJwtAdapter']];

test('every attribute and instrument name in semconv.ts is documented', () => {
  const names = Object.entries(built('semconv.js')).filter(([key]) => /^(ATTR_|METRIC_|JWT_|EVENT_)/.test(key));
  assert.ok(names.some(([key]) => key === 'ATTR_ERROR_TYPE'), 'stable names are re-exported too');
  for (const [key, name] of names) {
    const documented = key.endsWith('_PREFIX') ? `\`${name}<name>\`` : `\`${name}\``;
    assert.ok(semconvDoc.includes(documented), `${key} (${documented}) is missing from docs/semantic-conventions.md`);
  }
});

test('every closed-vocabulary value is documented', () => {
  for (const value of [...OPERATIONS, ...OUTCOMES, ...REASONS, ...LIBRARIES, ...AUTHZ_OUTCOMES, ...REQUEST_FINDINGS, ...TOKEN_SOURCES]) {
    assert.ok(semconvDoc.includes(`\`${value}\``), `${value} is missing from docs/semantic-conventions.md`);
  }
  const reasonRows = [...semconvDoc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \|(?:[^|]*\|){3}$/gm)].map((m) => m[1]);
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
  for (const [file, name] of ADAPTERS) {
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
  for (const [file, name] of ADAPTERS) {
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
