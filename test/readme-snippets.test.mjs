/**
 * The "use it in code" snippets of the root README and of the instrumentation package's README, run as written:
 * saved as `telemetry.mjs` in an application directory holding only the packages the package README's install line
 * names (and the application's own jose), started with the README's command line, against an ES module app that
 * imports jose statically. Spans go to the SDK's console exporter, which prints each one as it ends.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path) => readFileSync(join(root, path), 'utf8');
const rootReadme = read('README.md');
const packageReadme = read('packages/instrumentation-jwt/README.md');

/** The first fenced block of `lang` in the section that starts with `heading`. */
function codeBlock(text, heading, lang) {
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${heading} is in the README`);
  const end = text.indexOf('\n## ', start + heading.length + 2);
  const section = text.slice(start, end === -1 ? undefined : end);
  const block = section.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  assert.ok(block, `${heading} has a ${lang} block`);
  return block[1];
}

/** The packages `npm install …` names in the package README. */
const installLine = codeBlock(packageReadme, '## Install', 'sh').match(/^npm install (.+)$/m)[1].split(/\s+/);

/** Bare package names a snippet imports, and the package of a hook it registers. */
function packagesUsed(snippet) {
  const specifiers = [...snippet.matchAll(/(?:from|register\()\s*'([^']+)'/g)].map((m) => m[1]).filter((s) => !s.startsWith('node:') && !s.startsWith('.'));
  return [...new Set(specifiers.map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')))];
}

/** Where the workspace has a package installed. */
function installed(name) {
  for (const base of ['packages/register/node_modules', 'test/node_modules', 'packages/instrumentation-jwt/node_modules']) {
    const dir = join(root, base, name);
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
  }
  throw new Error(`${name} is not installed in the workspace`);
}

const dirs = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An application directory whose node_modules holds exactly `packages`, as `npm install` would give it. */
function appDirectory(packages, files) {
  const dir = mkdtempSync(join(tmpdir(), 'tokentrail-readme-'));
  dirs.push(dir);
  for (const name of packages) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(installed(name), join(dir, 'node_modules', name));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const APP = `import { SignJWT, jwtVerify } from 'jose';

const secret = new TextEncoder().encode('readme-app-secret-0123456789abcdef');
const token = await new SignJWT({ sub: 'someone' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(secret);
const { payload } = await jwtVerify(token, secret);
console.log('verified', payload.sub);
`;

/** Runs a README command line (`NAME=value … node args…`); a `...` placeholder value becomes a real key. */
function runCommandLine(line, cwd) {
  const words = line.trim().split(/\s+/);
  const env = { ...process.env, OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, value] = words.shift().split(/=(.*)/s);
    env[name] = value === '...' ? 'readme-pseudonym-key-0123456789abcdef' : value;
  }
  assert.equal(words.shift(), 'node', line);
  const result = spawnSync(process.execPath, words, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^verified someone$/m, 'the application ran as without the snippet');
  return result.stdout;
}

const recordsJose = (stdout) => /name: 'jwt\.verify'/.test(stdout) && /'jwt\.library': 'jose'/.test(stdout);

test("the package README's install line names every package its snippet imports", () => {
  const snippet = codeBlock(packageReadme, '## Usage', 'js');
  for (const name of packagesUsed(snippet)) assert.ok(installLine.includes(name), `${name} is imported by the usage snippet but not in the install line`);
  for (const name of packagesUsed(codeBlock(rootReadme, '## Use it in code', 'js'))) assert.ok(installLine.includes(name), `${name} (root README snippet) is not in the install line`);
});

test('root README, "Use it in code": the snippet preloaded with the command line given there records jose in an ESM app', () => {
  const snippet = codeBlock(rootReadme, '## Use it in code', 'js');
  const commandLine = codeBlock(rootReadme, '## Use it in code', 'sh').trim();
  assert.match(commandLine, /node --import \.\/telemetry\.mjs app\.mjs$/);
  const dir = appDirectory([...installLine, 'jose'], { 'telemetry.mjs': snippet, 'app.mjs': APP });
  const stdout = runCommandLine(commandLine, dir);
  assert.ok(recordsJose(stdout), `a jwt.verify span from jose was exported:\n${stdout}`);
  assert.doesNotMatch(stdout, /no pseudonym key configured/, 'the key from the command line is used');
});

test('root README: pasted at the top of the application instead, jose is not recorded, as the README warns', () => {
  const snippet = codeBlock(rootReadme, '## Use it in code', 'js');
  const [imports, body] = [APP.split('\n\n')[0], APP.split('\n\n').slice(1).join('\n\n')];
  const dir = appDirectory([...installLine, 'jose'], { 'app.mjs': `${snippet}\n${imports}\n${body}` });
  const stdout = runCommandLine('node app.mjs', dir);
  assert.ok(!recordsJose(stdout), 'jose was loaded before the hook was registered');
});

test("the instrumentation package's README: its usage snippet, started as it says, records jose in an ESM app", () => {
  const snippet = codeBlock(packageReadme, '## Usage', 'js');
  const commandLine = packageReadme.match(/`(node --import \.\/telemetry\.mjs app\.mjs)`/)[1];
  const dir = appDirectory([...installLine, 'jose'], { 'telemetry.mjs': snippet, 'app.mjs': APP });
  const stdout = runCommandLine(commandLine, dir);
  assert.ok(recordsJose(stdout), `a jwt.verify span from jose was exported:\n${stdout}`);
});
