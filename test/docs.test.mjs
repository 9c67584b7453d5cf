/** The documentation is kept true by this test: attribute reference, vocabularies, options and versions. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  AUTHZ_OUTCOMES,
  DETECTORS,
  FINDINGS,
  FINDING_SEVERITY,
  KEY_SET_CACHE_RESULTS,
  KEY_SET_CLIENTS,
  LIBRARIES,
  LIFECYCLE_STEPS,
  OPERATIONS,
  OUTCOMES,
  REASONS,
  REQUEST_FINDINGS,
  REVOCATION_REASONS,
  SEVERITIES,
  TOKEN_SOURCES,
} from '@tokentrail/instrumentation-jwt';
import { TESTED_LIBRARIES, TESTED_MIDDLEWARES } from './support/tested-versions.mjs';

const require = createRequire(import.meta.url);
const pkgDir = new URL('../packages/instrumentation-jwt/', import.meta.url);
const read = (url) => readFileSync(url, 'utf8');
const semconvDoc = read(new URL('../docs/semantic-conventions.md', import.meta.url));
const pkgReadme = read(new URL('README.md', pkgDir));
const built = (path) => require(new URL(`build/${path}`, pkgDir).pathname);
/** The instrumentation's one list of library adapters: everything below that is per library derives from it. */
const { ADAPTERS } = built('adapters/registry.js');

test('every attribute and instrument name in semconv.ts is documented', () => {
  const names = Object.entries(built('semconv.js')).filter(([key]) => /^(ATTR_|METRIC_|JWT_|EVENT_|SPAN_)/.test(key));
  assert.ok(
    names.some(([key]) => key === 'ATTR_ERROR_TYPE'),
    'stable names are re-exported too',
  );
  for (const [key, name] of names) {
    const documented = key.endsWith('_PREFIX') ? `\`${name}<name>\`` : `\`${name}\``;
    assert.ok(semconvDoc.includes(documented), `${key} (${documented}) is missing from docs/semantic-conventions.md`);
  }
});

test('every closed-vocabulary value is documented', () => {
  const vocabularies = [
    ...OPERATIONS,
    ...OUTCOMES,
    ...REASONS,
    ...LIBRARIES,
    ...AUTHZ_OUTCOMES,
    ...REQUEST_FINDINGS,
    ...TOKEN_SOURCES,
  ];
  for (const value of [
    ...vocabularies,
    ...DETECTORS,
    ...LIFECYCLE_STEPS,
    ...REVOCATION_REASONS,
    ...KEY_SET_CLIENTS,
    ...KEY_SET_CACHE_RESULTS,
  ]) {
    assert.ok(semconvDoc.includes(`\`${value}\``), `${value} is missing from docs/semantic-conventions.md`);
  }
  const reasonRows = [...semconvDoc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \|(?:[^|]*\|){4}$/gm)].map((m) => m[1]);
  assert.deepEqual(
    reasonRows.filter((r) => REASONS.includes(r)).sort(),
    [...REASONS].sort(),
    'the reason table has one row per reason',
  );
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
  assert.ok(ADAPTERS.length >= 5, 'the adapters were read from the registry');
  for (const adapter of ADAPTERS) assert.deepEqual(versionsRow(adapter.packageName), adapter.supportedVersions);
});

test("every JWT library has an adapter, and every adapter's option is a documented option of JwtInstrumentationConfig", () => {
  for (const library of LIBRARIES)
    assert.ok(
      ADAPTERS.some((a) => a.library === library),
      `${library} has an adapter`,
    );
  const table = pkgReadme.slice(pkgReadme.indexOf('## Options'), pkgReadme.indexOf('| Environment variable'));
  for (const adapter of ADAPTERS)
    assert.match(
      table,
      new RegExp(`^\\| \`${adapter.option}\` \\| `, 'm'),
      `${adapter.packageName}'s option ${adapter.option} has a row`,
    );
});

test('the instrumentation scope version is the package version', () => {
  const { version } = JSON.parse(read(new URL('package.json', pkgDir)));
  assert.equal(built('version.js').PACKAGE_VERSION, version);
});

/** The installed version of a package, found from its resolved entry point (some packages do not export package.json). */
function installedVersion(name, from = require) {
  let dir = dirname(from.resolve(name));
  while (
    !existsSync(join(dir, 'package.json')) ||
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
  )
    dir = dirname(dir);
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

/** The version installed under `install` in test/package.json (an npm alias or the package's own name). */
const aliasVersion = (install) =>
  JSON.parse(read(new URL(`node_modules/${install}/package.json`, import.meta.url))).version;
const lowerBound = (range) => range.match(/^>=(\d+\.\d+\.\d+) </)[1];
/** A table row's cells that hold back-quoted lists, after the first: `[name, [cell values…], …]`. */
const rowCells = (table, name) => {
  const row = table.split('\n').find((line) => line.startsWith(`| \`${name}\` `));
  assert.ok(row, `${name} has a row`);
  return row
    .split(' | ')
    .slice(1)
    .map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
};

test('every declared range is tested at its lowest release and its highest, as the Tested column says', () => {
  const table = pkgReadme.slice(pkgReadme.indexOf('## Supported versions'), pkgReadme.indexOf('### Middlewares'));
  for (const adapter of ADAPTERS) {
    const rows = TESTED_LIBRARIES.filter((row) => row.package === adapter.packageName);
    for (const range of adapter.supportedVersions) {
      const row = rows.find((r) => r.range === range);
      assert.ok(row, `${adapter.packageName} ${range} is declared and tested`);
      assert.equal(
        row.tested[0].version,
        lowerBound(range),
        `${adapter.packageName} ${range} is tested at its lowest release`,
      );
    }
    for (const row of rows) {
      for (const { install, version } of row.tested) {
        assert.ok(inRanges(version, [row.range]), `${adapter.packageName}@${version} is inside ${row.range}`);
        assert.ok(
          inRanges(version, adapter.supportedVersions),
          `${adapter.packageName}@${version} is inside what the adapter declares`,
        );
        assert.equal(aliasVersion(install), version, `${install} installs ${adapter.packageName}@${version}`);
      }
    }
    const bySemver = (a, b) =>
      a.split('.').reduce((diff, part, i) => diff || Number(part) - Number(b.split('.')[i]), 0);
    const tested = [...new Set(rows.flatMap((row) => row.tested.map((t) => t.version)))].sort(bySemver);
    assert.deepEqual(rowCells(table, adapter.packageName)[1], tested, `the Tested column of ${adapter.packageName}`);
  }
});

test('the middlewares table gives each middleware its range and the versions tested at its ends', () => {
  const table = pkgReadme.slice(pkgReadme.indexOf('### Middlewares'), pkgReadme.indexOf('## Usage'));
  const { dependencies } = JSON.parse(read(new URL('package.json', import.meta.url)));
  const names = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(names.sort(), TESTED_MIDDLEWARES.map((row) => row.package).sort());
  for (const row of TESTED_MIDDLEWARES) {
    const [range, tested] = rowCells(table, row.package).filter((cell) => cell.length > 0);
    assert.deepEqual(range, [row.range], `${row.package} range`);
    assert.deepEqual(
      tested,
      row.tested.map((t) => t.version),
      `${row.package} tested versions`,
    );
    assert.equal(row.tested[0].version, lowerBound(row.range), `${row.package} is tested at its lowest release`);
    assert.equal(
      dependencies[row.package],
      row.tested.at(-1).version,
      `${row.package} is pinned at its highest tested release`,
    );
    for (const { install, version } of row.tested)
      assert.equal(aliasVersion(install), version, `${install} installs ${row.package}@${version}`);
  }
});

test('the root README names every middleware range at its tested ends, and every adapter', () => {
  const rootReadme = read(new URL('../README.md', import.meta.url));
  const table = rootReadme.slice(
    rootReadme.indexOf('## Supported versions'),
    rootReadme.indexOf('## Where everything else is'),
  );
  for (const row of TESTED_MIDDLEWARES) {
    const [lowest, highest] = [row.tested[0].version, row.tested.at(-1).version];
    const text = lowest === highest ? `${row.package} ${lowest}` : `${row.package} ${lowest} to ${highest}`;
    assert.ok(table.includes(text), `${text} is in the root README's table`);
  }
  assert.ok(table.includes(`@hono/node-server ${installedVersion('@hono/node-server')}`));
  for (const { library, supportedVersions } of ADAPTERS) {
    for (const range of supportedVersions) {
      const major = range.match(/^>=(\d+)\./)[1];
      assert.match(
        table,
        new RegExp(`^\\| [^|]*${library}[^|]*\\|[^|]*\\b${major}\\.`, 'm'),
        `${library} ${major}.x is in the root README's table`,
      );
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
  const names = Object.entries(built('semconv.js')).filter(
    ([key]) => key.startsWith('ATTR_JWT_AUDIT_') || key === 'EVENT_JWT_AUDIT_CHECKPOINT',
  );
  assert.ok(names.length >= 8, 'the audit trail names were read from semconv');
  for (const [key, name] of names)
    assert.ok(page.includes(`\`${name}\``), `${key} (${name}) is missing from docs/audit-trail.md`);
  const { CANONICAL_VERSION, CHECKPOINT_VERSION } = built('audit-trail/canonical.js');
  for (const reason of built('audit-trail/canonical.js').CHECKPOINT_REASONS) {
    assert.ok(
      page.includes(`\`${reason}\``) && semconvDoc.includes(`\`${reason}\``),
      `checkpoint reason ${reason} is documented`,
    );
  }
  assert.ok(page.includes(`["${CANONICAL_VERSION}", TIME, BODY, ATTRIBUTES]`), 'the canonical form names its version');
  assert.ok(
    page.includes(`["${CHECKPOINT_VERSION}",STREAM,COUNT,HEAD,REASON]`),
    'the checkpoint statement names its version',
  );
});

const docPage = (name) => read(new URL(`../docs/${name}`, import.meta.url));

test('docs/findings.md has one row per finding, with the severity the code gives it', () => {
  const page = docPage('findings.md');
  const rows = [...page.matchAll(/^\| (`[a-z0-9_]+`(?:, `[a-z0-9_]+`)*) \| (low|medium|high|critical) \|/gm)];
  const documented = new Map(rows.flatMap((m) => [...m[1].matchAll(/`([a-z0-9_]+)`/g)].map((f) => [f[1], m[2]])));
  assert.deepEqual([...documented.keys()].sort(), [...FINDINGS].sort(), 'every finding, and no other, has a row');
  for (const finding of FINDINGS)
    assert.equal(documented.get(finding), FINDING_SEVERITY[finding], `${finding} severity`);
  assert.deepEqual([...SEVERITIES], ['low', 'medium', 'high', 'critical']);
});

test('docs/detectors.md documents every detector with its default threshold and window', async () => {
  const page = docPage('detectors.md');
  const { DEFAULT_DETECTORS } = built('insight-settings.js');
  for (const name of DETECTORS) {
    const row = page.match(new RegExp(`^\\| \`${name}\` \\| .+ \\| (\\d+)[^|/]*/ (\\d+) s \\|$`, 'm'));
    assert.ok(row, `${name} has a row`);
    assert.deepEqual(
      [Number(row[1]), Number(row[2])],
      [DEFAULT_DETECTORS[name].threshold, DEFAULT_DETECTORS[name].windowSeconds],
      name,
    );
  }
  assert.ok(
    page.includes(
      `at most \`maxKeys\` keys (default ${built('insight-settings.js').DEFAULT_DETECTOR_MAX_KEYS.toLocaleString('en-US')})`,
    ),
  );
});

test('docs/lifecycle.md documents the denylist cap and every revocation reason', () => {
  const page = docPage('lifecycle.md');
  const { DENYLIST_SIZE } = built('lifecycle/revocation.js');
  assert.ok(page.includes(`at most ${DENYLIST_SIZE.toLocaleString('en-US')} entries`));
  for (const reason of REVOCATION_REASONS) assert.ok(page.includes(`\`${reason}\``), reason);
  for (const step of LIFECYCLE_STEPS) assert.ok(page.includes(`\`${step}\``), step);
});

/*
 * Documented flags, variables, defaults and exit statuses against the code, in both directions. Each check is a
 * function returning the disagreements it finds, so that the last test can plant defects and see them found.
 */
const rootReadme = read(new URL('../README.md', import.meta.url));
const cliReadme = read(new URL('../packages/cli/README.md', import.meta.url));
const registerReadme = read(new URL('../packages/register/README.md', import.meta.url));
const cliBuild = (path) => require(new URL(`../packages/cli/build/${path}`, import.meta.url).pathname);

/** The part of a text from `start` to the next heading of the same or a higher level. */
function section(text, start) {
  if (start < 0) return '';
  const level = text.slice(start).match(/^#+/)[0].length;
  const next = text.slice(start + 1).search(new RegExp(`\n#{1,${level}} `));
  return text.slice(start, next === -1 ? undefined : start + 1 + next);
}

/** The CLI documentation: the root README's command-line section and the CLI package's README. */
function cliDocs(root = rootReadme, cli = cliReadme) {
  const all = `${section(root, root.indexOf('## Command line'))}\n${cli}`;
  const commandSection = (name) => section(all, all.search(new RegExp(`^#{2,3} \`tokentrail ${name} `, 'm')));
  return { all, commandSection };
}

/** What the code says of each command: its parser's options, its --help, its exit statuses. */
async function cliCommands() {
  const { spawnSync } = await import('node:child_process');
  const cli = new URL('../packages/cli/build/bin.js', import.meta.url).pathname;
  const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  return [...top.matchAll(/^ {2}(\w+) /gm)].map(([, name]) => {
    const { OPTIONS, EXIT_STATUS } = cliBuild(`${name}/${name}-command.js`);
    const help = spawnSync(process.execPath, [cli, name, '--help'], { encoding: 'utf8' }).stdout;
    return { name, options: Object.keys(OPTIONS), exitStatus: EXIT_STATUS, help };
  });
}

const flagsIn = (text) => new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*[a-z])\b/g)].map((m) => m[1]));
const plain = (text) => text.replaceAll('`', '');

function cliProblems(commands, docs) {
  const problems = [];
  const known = new Set(commands.flatMap((command) => command.options));
  for (const { name, options, exitStatus, help } of commands) {
    const text = docs.commandSection(name);
    if (!text) {
      problems.push(`${name}: no section in the CLI docs`);
      continue;
    }
    if (!new RegExp(`\\$ (?:pnpm exec )?tokentrail ${name} `).test(text)) problems.push(`${name}: no example`);
    const helpOptions = help.slice(help.indexOf('\nOptions:'), help.indexOf('\n\n', help.indexOf('\nOptions:') + 1));
    const inHelp = [...helpOptions.matchAll(/^ {2}(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]);
    for (const option of options)
      if (!inHelp.includes(option)) problems.push(`${name}: --${option} is parsed but not in --help`);
    for (const option of inHelp)
      if (!options.includes(option)) problems.push(`${name}: --${option} is in --help but not parsed`);
    for (const option of options)
      if (!flagsIn(docs.all).has(option)) problems.push(`${name}: --${option} is not documented`);
    for (const flag of flagsIn(text))
      if (!options.includes(flag)) problems.push(`${name}: the docs name --${flag}, which it does not have`);
    const rows = new Map([...text.matchAll(/^\| ([0-9]) \| (.+) \|$/gm)].map((m) => [m[1], m[2]]));
    for (const [status, meaning] of Object.entries(exitStatus)) {
      if (!rows.has(status)) problems.push(`${name}: exit status ${status} is not in the table`);
      else if (rows.get(status) !== meaning)
        problems.push(
          `${name}: exit status ${status} is documented as "${rows.get(status)}", the code says "${meaning}"`,
        );
      if (!plain(help).includes(`${status} ${plain(meaning)}`))
        problems.push(`${name}: --help does not give exit status ${status} as the code does`);
    }
    for (const status of rows.keys())
      if (!(status in exitStatus))
        problems.push(`${name}: the table documents exit status ${status}, which it does not have`);
  }
  for (const flag of flagsIn(docs.all))
    if (!known.has(flag)) problems.push(`the CLI docs name --${flag}, which no command has`);
  return problems;
}

test("every tokentrail command: each flag parsed is in --help and documented, each documented flag exists, the exit-status table is the code's", async () => {
  const commands = await cliCommands();
  assert.deepEqual(
    commands.map((command) => command.name),
    ['verify', 'report', 'inspect', 'scan'],
  );
  assert.deepEqual(cliProblems(commands, cliDocs()), []);
});

test('verify problem kinds and scan default exclusions are documented as the code has them', () => {
  const { PROBLEM_KINDS } = cliBuild('verify/trail-verifier.js');
  const { DEFAULT_EXCLUDES } = cliBuild('scan/scan-command.js');
  const docs = cliDocs();
  const named = docs.commandSection('verify').match(/Problems are named ([^.]+)\./)[1];
  assert.deepEqual([...named.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort(), [...PROBLEM_KINDS].sort());
  assert.deepEqual(
    [...docs.commandSection('scan').matchAll(/skipping ((?:`[^`]+`(?:, )?)+)/g)].flatMap((m) =>
      [...m[1].matchAll(/`([^`]+)`/g)].map((n) => n[1]),
    ),
    [...DEFAULT_EXCLUDES],
  );
});

/** The effective default behind each "(default …)" of a TOKENTRAIL_* variable's description. */
function codeDefaults() {
  const settings = built('settings.js').resolveSettings({}, new (built('settings.js').FallbackKey)(), () => {}, {});
  const { DEFAULT_EXIT_TIMEOUT_MS, DEFAULT_SPOOL_MAX_BYTES } = require('@tokentrail/register/exit-safe');
  return {
    TOKENTRAIL_TOKEN_QUERY_PARAMS: `\`${settings.credentialSources.queryParams.join(',')}\``,
    TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: String(settings.auditTrail.checkpointInterval),
    TOKENTRAIL_LOG_SAMPLE_RATIO: String(settings.insight.logSampleRatio),
    TOKENTRAIL_MAX_TOKEN_LIFETIME: String(settings.insight.findings.maxLifetimeSeconds),
    TOKENTRAIL_EXIT_TIMEOUT_MS: String(DEFAULT_EXIT_TIMEOUT_MS),
    TOKENTRAIL_SPOOL_MAX_BYTES: String(DEFAULT_SPOOL_MAX_BYTES),
  };
}

function envProblems(variables, defaults, metrics) {
  const problems = [];
  for (const [name, text] of Object.entries(variables)) {
    const documented = text.match(/\(default ([^;)]+)[;)]/)?.[1];
    if (documented !== undefined && defaults[name] === undefined)
      problems.push(`${name}: documents a default (${documented}) this test does not know how to check`);
    if (defaults[name] !== undefined && documented !== defaults[name])
      problems.push(`${name}: documented default ${documented}, the code's is ${defaults[name]}`);
  }
  for (const metric of metrics)
    if (!variables.TOKENTRAIL_EMIT_METRICS.includes(metric))
      problems.push(`TOKENTRAIL_EMIT_METRICS: does not say it stops ${metric}`);
  return problems;
}

const metricNames = () =>
  Object.entries(built('semconv.js'))
    .filter(([key]) => key.startsWith('METRIC_'))
    .map(([, name]) => name);

test("TOKENTRAIL_* variables: every default documented is the code's, and what TOKENTRAIL_EMIT_METRICS stops is every metric", () => {
  const { ENV_VARIABLES } = require('@tokentrail/register/env-config');
  assert.ok(metricNames().length >= 3);
  assert.deepEqual(envProblems(ENV_VARIABLES, codeDefaults(), metricNames()), []);
  const emitMetrics = pkgReadme.match(/^\| `emitMetrics` \| .+$/m)[0];
  for (const metric of metricNames())
    assert.ok(emitMetrics.includes(`\`${metric}\``), `the emitMetrics option names ${metric}`);
  const resolved = built('settings.js').resolveSettings({}, new (built('settings.js').FallbackKey)(), () => {}, {});
  for (const [, option, value] of pkgReadme.matchAll(
    /^\| `(emit\w+|enrichServerSpan)` \| boolean \| `(true|false)` \|/gm,
  )) {
    assert.equal(String(resolved[option]), value, `${option} defaults to ${value}`);
  }
});

test('the root README is a front page, and every relative link in the READMEs and docs points to a file that exists', async () => {
  const { readdirSync } = await import('node:fs');
  const root = new URL('../', import.meta.url);
  assert.ok(
    read(new URL('README.md', root)).split('\n').length <= 150,
    'the root README stays a front page of at most 150 lines',
  );
  const pages = [
    'README.md',
    'CONTRIBUTING.md',
    'BENCHMARKS.md',
    ...['cli', 'instrumentation-jwt', 'register'].map((p) => `packages/${p}/README.md`),
    ...readdirSync(new URL('docs/', root))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  let links = 0;
  for (const page of pages) {
    for (const [, target] of read(new URL(page, root)).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      links++;
      assert.ok(existsSync(new URL(target, new URL(page, root))), `${page} links to ${target}, which does not exist`);
    }
  }
  assert.ok(links > 20, 'links were found');
});

test('every TOKENTRAIL_* variable the docs name is read somewhere, and every one the packages read is documented', async () => {
  const { readdirSync } = await import('node:fs');
  const { ENV_VARIABLES } = require('@tokentrail/register/env-config');
  const filesUnder = (dir, ext) =>
    readdirSync(new URL(dir, import.meta.url), { recursive: true })
      .filter((f) => f.endsWith(ext) && !f.includes('node_modules'))
      .map((f) => read(new URL(`${dir}${f}`, import.meta.url)));
  const names = (texts) =>
    new Set(texts.flatMap((text) => [...text.matchAll(/TOKENTRAIL_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0])));
  const docs = names([
    rootReadme,
    cliReadme,
    registerReadme,
    pkgReadme,
    read(new URL('../BENCHMARKS.md', import.meta.url)),
    ...filesUnder('../docs/', '.md'),
    ...filesUnder('../examples/', '.md'),
  ]);
  const sources = names(
    ['../packages/instrumentation-jwt/src/', '../packages/register/src/', '../packages/cli/src/'].flatMap((dir) =>
      filesUnder(dir, '.ts'),
    ),
  );
  const testsAndBenches = names([...filesUnder('./', '.mjs'), ...filesUnder('../bench/', '.mjs')]);
  for (const name of docs)
    assert.ok(name in ENV_VARIABLES || testsAndBenches.has(name), `${name} is documented but nothing reads it`);
  for (const name of sources)
    assert.ok(name in ENV_VARIABLES, `${name} is read by a package but not in the register README's table`);
});

test('the docs checks find planted defects, in both directions', async () => {
  const commands = await cliCommands();
  const verify = commands.find((command) => command.name === 'verify');
  const withOption = commands.map((command) =>
    command === verify ? { ...command, options: [...command.options, 'frobnicate'] } : command,
  );
  assert.ok(
    cliProblems(withOption, cliDocs()).some((p) => /--frobnicate is parsed but not in --help/.test(p)) &&
      cliProblems(withOption, cliDocs()).some((p) => /--frobnicate is not documented/.test(p)),
    'a flag the code has and the docs do not',
  );
  const extraFlag = cliReadme.replace('add `--from-checkpoint`', 'add `--from-window`');
  assert.ok(extraFlag !== cliReadme);
  assert.ok(
    cliProblems(commands, cliDocs(rootReadme, extraFlag)).some((p) => /the docs name --from-window/.test(p)),
    'a documented flag the code does not have',
  );
  const movedCli = cliReadme.replace('## Checking a period', '## Checking a period (`--since`)');
  assert.ok(cliProblems(commands, cliDocs(rootReadme, movedCli)).some((p) => /--since, which no command has/.test(p)));
  const exitRow = cliReadme.replace(
    '| 2 | usage error, unreadable path, or a path with no readable file |',
    '| 2 | usage error, unreadable path |',
  );
  assert.ok(exitRow !== cliReadme);
  assert.ok(
    cliProblems(commands, cliDocs(rootReadme, exitRow)).some((p) => /scan: exit status 2 is documented as/.test(p)),
    'an exit status documented differently',
  );
  const extraRow = cliReadme.replace(
    '| 2 | usage error, unreadable path, or a path with no readable file |',
    '| 2 | usage error, unreadable path, or a path with no readable file |\n| 3 | interrupted |',
  );
  assert.ok(
    cliProblems(commands, cliDocs(rootReadme, extraRow)).some((p) => /scan: the table documents exit status 3/.test(p)),
    'an exit status the code does not have',
  );
  const changedCode = commands.map((command) =>
    command === verify ? { ...command, exitStatus: { ...command.exitStatus, 1: 'a problem was found' } } : command,
  );
  assert.ok(
    cliProblems(changedCode, cliDocs()).some((p) => /verify: exit status 1 is documented as/.test(p)),
    'the code changed, the docs did not',
  );

  const { ENV_VARIABLES } = require('@tokentrail/register/env-config');
  const defaults = codeDefaults();
  const wrongDefault = {
    ...ENV_VARIABLES,
    TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: ENV_VARIABLES.TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL.replace(
      '(default 1000',
      '(default 2000',
    ),
  };
  assert.deepEqual(envProblems(wrongDefault, defaults, metricNames()), [
    "TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: documented default 2000, the code's is 1000",
  ]);
  assert.ok(
    envProblems(ENV_VARIABLES, { ...defaults, TOKENTRAIL_EXIT_TIMEOUT_MS: '3000' }, metricNames()).length === 1,
    "the code's default changed",
  );
  const unchecked = { ...ENV_VARIABLES, TOKENTRAIL_CLAIMS: `${ENV_VARIABLES.TOKENTRAIL_CLAIMS} (default none)` };
  assert.ok(
    envProblems(unchecked, defaults, metricNames()).some((p) => /TOKENTRAIL_CLAIMS: documents a default/.test(p)),
  );
  const oldMetrics = {
    ...ENV_VARIABLES,
    TOKENTRAIL_EMIT_METRICS: '`false` to stop the jwt.operation.duration histogram.',
  };
  assert.deepEqual(
    envProblems(oldMetrics, defaults, metricNames()).sort(),
    metricNames()
      .filter((m) => m !== 'jwt.operation.duration')
      .map((m) => `TOKENTRAIL_EMIT_METRICS: does not say it stops ${m}`)
      .sort(),
  );
});
