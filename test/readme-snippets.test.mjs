/**
 * The "use it in code" snippets of the root README and of the instrumentation package's README, run as written:
 * saved as `telemetry.mjs` in an application directory holding only the packages the package README's install line
 * names (and the application's own jose), started with the README's command line, against an ES module app that
 * imports jose statically. Spans go over OTLP, as the snippets send them, to a strict receiver in this process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@tokentrail/otlp-receiver';

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
const installLine = codeBlock(packageReadme, '## Install', 'sh')
  .match(/^npm install (.+)$/m)[1]
  .split(/\s+/);

/** Bare package names a snippet imports, and the package of a hook it registers. */
function packagesUsed(snippet) {
  const specifiers = [...snippet.matchAll(/(?:from|register\()\s*'([^']+)'/g)]
    .map((m) => m[1])
    .filter((s) => !s.startsWith('node:') && !s.startsWith('.'));
  return [
    ...new Set(
      specifiers.map((s) =>
        s
          .split('/')
          .slice(0, s.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
    ),
  ];
}

/** Where the workspace has a package installed. */
function installed(name) {
  for (const base of [
    'packages/register/node_modules',
    'test/node_modules',
    'packages/instrumentation-jwt/node_modules',
  ]) {
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
// Long enough for the batch span processor's first export (every 5 s by default) before the process ends.
await new Promise((resolve) => setTimeout(resolve, 5500));
`;

/**
 * Runs a README command line (`NAME=value … node args…`; a `...` placeholder value becomes a real key) with the
 * OTLP endpoint pointed at a receiver here; resolves with what it printed and the spans the receiver got.
 */
async function runCommandLine(line, cwd) {
  const receiver = await startReceiver();
  try {
    const words = line.trim().split(/\s+/);
    const env = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };
    while (/^[A-Z_]+=/.test(words[0])) {
      const [name, value] = words.shift().split(/=(.*)/s);
      env[name] = value === '...' ? 'readme-pseudonym-key-0123456789abcdef' : value;
    }
    assert.equal(words.shift(), 'node', line);
    const child = spawn(process.execPath, words, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^verified someone$/m, 'the application ran as without the snippet');
    return { stdout: stdout + stderr, spans: [...receiver.spans] };
  } finally {
    await receiver.close();
  }
}

const recordsJose = ({ spans }) =>
  spans.some((span) => span.name === 'jwt.verify' && span.attributes['jwt.library'] === 'jose');

test("the package README's install line names every package its snippet imports", () => {
  const snippet = codeBlock(packageReadme, '## Usage', 'js');
  for (const name of packagesUsed(snippet))
    assert.ok(installLine.includes(name), `${name} is imported by the usage snippet but not in the install line`);
  for (const name of packagesUsed(codeBlock(rootReadme, '## Use it in code', 'js')))
    assert.ok(installLine.includes(name), `${name} (root README snippet) is not in the install line`);
});

test('root README, "Use it in code": the snippet preloaded with the command line given there records jose in an ESM app', async () => {
  const snippet = codeBlock(rootReadme, '## Use it in code', 'js');
  const commandLine = codeBlock(rootReadme, '## Use it in code', 'sh').trim();
  assert.match(commandLine, /node --import \.\/telemetry\.mjs app\.mjs$/);
  const dir = appDirectory([...installLine, 'jose'], { 'telemetry.mjs': snippet, 'app.mjs': APP });
  const run = await runCommandLine(commandLine, dir);
  assert.ok(recordsJose(run), `a jwt.verify span from jose was exported:\n${run.stdout}`);
  assert.doesNotMatch(run.stdout, /no pseudonym key configured/, 'the key from the command line is used');
});

test('root README: pasted at the top of the application instead, jose is not recorded, as the README warns', async () => {
  const snippet = codeBlock(rootReadme, '## Use it in code', 'js');
  const [imports, body] = [APP.split('\n\n')[0], APP.split('\n\n').slice(1).join('\n\n')];
  const dir = appDirectory([...installLine, 'jose'], { 'app.mjs': `${snippet}\n${imports}\n${body}` });
  const run = await runCommandLine('node app.mjs', dir);
  assert.ok(!recordsJose(run), 'jose was loaded before the hook was registered');
});

test("the instrumentation package's README: its usage snippet, started as it says, records jose in an ESM app", async () => {
  const snippet = codeBlock(packageReadme, '## Usage', 'js');
  const commandLine = packageReadme.match(/`(node --import \.\/telemetry\.mjs app\.mjs)`/)[1];
  const dir = appDirectory([...installLine, 'jose'], { 'telemetry.mjs': snippet, 'app.mjs': APP });
  const run = await runCommandLine(commandLine, dir);
  assert.ok(recordsJose(run), `a jwt.verify span from jose was exported:\n${run.stdout}`);
});

const deployReadme = read('examples/deploy/README.md');

for (const [where, commandLine, endpoint, service] of [
  [
    'root README, "Zero-code start"',
    codeBlock(rootReadme, '## Zero-code start', 'sh').replace(/\\\n/g, ' ').replace(/#.*$/m, '').trim(),
    'http://collector:4318',
    /^orders-api$/,
  ],
  [
    'examples/deploy/README.md, step 2',
    deployReadme.match(/Start it: `([^`]+)`/)[1],
    'http://localhost:4318',
    /^unknown_service:(.*\/)?node$/,
  ],
]) {
  test(`${where}: the command line as written, with the collector's address pointed at a receiver here, exports jose's verify`, async () => {
    assert.ok(commandLine.includes('TOKENTRAIL_PSEUDONYM_KEY='), 'the shared key is part of the command');
    const receiver = await startReceiver();
    try {
      const dir = appDirectory(['@tokentrail/register', 'jose'], { 'app.mjs': APP });
      const words = commandLine.replaceAll(endpoint, receiver.endpoint).split(/\s+/);
      const env = { ...process.env };
      while (/^[A-Z_]+=/.test(words[0])) {
        const [name, value] = words.shift().split(/=(.*)/s);
        env[name] = value === '...' ? 'readme-pseudonym-key-0123456789abcdef' : value;
      }
      assert.equal(words.shift(), 'node');
      const child = spawn(process.execPath, words, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(code, 0, output);
      assert.match(output, /^verified someone$/m);
      await receiver.waitFor((r) => r.spans.some((span) => span.name === 'jwt.verify'), { timeoutMs: 15_000 });
      const verify = receiver.spans.find((span) => span.name === 'jwt.verify');
      assert.equal(verify.attributes['jwt.library'], 'jose');
      assert.match(verify.resource['service.name'], service);
      assert.doesNotMatch(output, /PSEUDONYM_KEY is not set/, 'the key of the command line is used');
    } finally {
      await receiver.close();
    }
  });
}
