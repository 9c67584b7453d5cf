/**
 * `tokentrail scan`: every token planted in a generated mixed log is found at its line and column, with
 * nothing else reported; a corpus of look-alike strings yields nothing; chunk boundaries lose nothing; the
 * output never holds a token. Size: TOKENTRAIL_SCAN_MB (default 4; the documented measurement uses 200).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { findTokens } from '@tokentrail/cli/scan';
import { CLI, tempDir } from './support/audit-trail-run.mjs';
import { lookAlikes, mintTokens, writeMixedLog } from './support/leak-corpus.mjs';

const MB = Number(process.env.TOKENTRAIL_SCAN_MB ?? 4);

function tokentrail(args, options = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
}

function assertNoTokenIn(text, tokens) {
  for (const token of tokens)
    for (const segment of token.split('.'))
      if (segment.length >= 8) assert.ok(!text.includes(segment), 'no token segment is printed');
}

describe('tokentrail scan', () => {
  let tokens;
  let dir;
  before(async () => {
    tokens = await mintTokens(60);
    dir = tempDir('tokentrail-cli-scan-');
  });

  test(`finds every token planted in a ${MB} MB mixed log, and nothing else, streaming in constant memory`, async () => {
    const file = join(dir, 'mixed.log');
    const planted = await writeMixedLog(file, MB * 1024 * 1024, tokens);
    // A 32 MB heap: if memory grew with the file, the scan would run out of it.
    const result = spawnSync(process.execPath, ['--max-old-space-size=32', CLI, 'scan', '--json', '--stats', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.bytes, statSync(file).size);
    const found = report.findings.map((f) => `${f.line}:${f.column}`);
    assert.deepEqual(
      found,
      planted.map((p) => `${p.line}:${p.column}`),
      'exactly the planted tokens, at their line and column',
    );
    assert.equal(
      report.findings[0].fingerprint,
      `sha256:${createHash('sha256').update(planted[0].token).digest('hex').slice(0, 32)}`,
    );
    assert.equal(report.distinct, new Set(planted.map((p) => p.token)).size);
    const stats = result.stderr.match(/scan: 1 files, (\d+) bytes, ([\d.]+) s, peak RSS (\d+) MiB/);
    assert.ok(stats, result.stderr);
    const [, , seconds, rss] = stats.map(Number);
    console.log(
      `# scan: ${MB} MB, ${planted.length} planted tokens, all found, 0 false positives, ${seconds} s, peak RSS ${rss} MiB`,
    );
    assert.ok(seconds < 60 * Math.max(1, MB / 200), `${seconds} s for ${MB} MB`);
    assert.ok(rss < 128, `peak RSS ${rss} MiB does not grow with the file`);
    assertNoTokenIn(result.stdout, tokens);
  });

  test('a corpus of look-alike strings yields no finding (exit 0)', () => {
    const alikes = lookAlikes(tokens);
    assert.ok(alikes.length >= 35);
    const file = join(dir, 'look-alikes.txt');
    writeFileSync(
      file,
      alikes.flatMap((value) => [value, `x ${value} y`, `"${value}"`, `k=${value};`, `${value}.`]).join('\n'),
    );
    const result = tokentrail(['scan', file]);
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /^0 tokens \(0 distinct\) in 1 files/m);
  });

  test('tokens split across chunk boundaries are found, at every split point', async () => {
    const text = `a ${tokens[1]} b\n${tokens[5]}\nx=${tokens[2]}.`;
    const expected = [
      [1, 3],
      [2, 1],
      [3, 3],
    ];
    for (let size = 1; size <= 64; size += 3) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size), 'latin1'));
      const found = [];
      for await (const token of findTokens(Readable.from(chunks))) found.push([token.line, token.column, token.token]);
      assert.deepEqual(
        found,
        expected.map(([line, column], i) => [line, column, [tokens[1], tokens[5], tokens[2]][i]]),
        `chunks of ${size} bytes`,
      );
    }
  });

  test('a directory tree: HAR and source files found, .git and --exclude skipped, symbolic links not followed', () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'src', 'deep'), { recursive: true });
    mkdirSync(join(tree, '.git'));
    mkdirSync(join(tree, 'vendor'));
    const har = {
      log: {
        entries: [
          {
            request: {
              headers: [{ name: 'Authorization', value: `Bearer ${tokens[0]}` }],
              cookies: [{ name: 'session', value: tokens[5] }],
            },
          },
        ],
      },
    };
    const harText = JSON.stringify(har, null, 2);
    const at = (token) => {
      const before = harText.slice(0, harText.indexOf(token)).split('\n');
      return `${before.length}:${before.at(-1).length + 1}`;
    };
    writeFileSync(join(tree, 'session.har'), harText);
    writeFileSync(join(tree, 'src', 'deep', 'fixture.ts'), `export const token = '${tokens[2]}';\n`);
    writeFileSync(join(tree, '.git', 'ORIG'), tokens[3]);
    writeFileSync(join(tree, 'vendor', 'x.js'), tokens[4]);
    symlinkSync(join(tree, 'vendor'), join(tree, 'src', 'link'));
    const result = tokentrail(['scan', '--exclude', '.git', '--exclude', 'vendor', tree]);
    assert.equal(result.status, 1);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 4, result.stdout);
    assert.ok(lines[0].includes(`session.har:${at(tokens[0])}  `), lines[0]);
    assert.ok(lines[1].includes(`session.har:${at(tokens[5])}  `), lines[1]);
    assert.match(
      lines[0],
      /session\.har:\d+:\d+ {2}jws {2}alg="HS256" {2}iss="https:\/\/idp-0\.example" {2}exp=\S+ \(expired\) {2}fingerprint=sha256:[0-9a-f]{32}$/,
    );
    assert.match(lines[1], /session\.har:\d+:\d+ {2}jwe {2}alg="dir"/);
    assert.match(lines[2], /src\/deep\/fixture\.ts:1:23 {2}jws {2}alg="ES256"/);
    assert.match(lines[3], /^3 tokens \(3 distinct\) in 2 files/);
    assertNoTokenIn(result.stdout, tokens);
  });

  test('the documented command on symbolic links given on the command line: followed, and said so', () => {
    const real = join(dir, 'real');
    const where = join(dir, 'linked');
    mkdirSync(join(real, 'logs'), { recursive: true });
    mkdirSync(where);
    writeFileSync(join(real, 'logs', 'app.log'), `GET /orders authorization=Bearer ${tokens[0]}\n`);
    writeFileSync(join(real, 'session.har'), JSON.stringify({ token: tokens[2] }));
    symlinkSync(join(real, 'logs'), join(where, 'logs'));
    symlinkSync(join(real, 'session.har'), join(where, 'session.har'));
    // The README's example, as written.
    const result = tokentrail('tokentrail scan ./logs ./session.har'.split(' ').slice(1), { cwd: where });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^logs\/app\.log:1:34 {2}jws /m);
    assert.match(result.stdout, /^\.\/session\.har:1:11 {2}jws /m);
    assert.match(result.stdout, /^2 tokens \(2 distinct\) in 2 files/m);
    assert.match(result.stderr, /\.\/logs is a symbolic link given on the command line: following it/);
    assert.match(result.stderr, /\.\/session\.har is a symbolic link given on the command line: following it/);
  });

  test('a named path with no readable file exits 2: an empty directory, a dangling link, only excluded names', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const onlyGit = join(dir, 'only-git');
    mkdirSync(join(onlyGit, '.git'), { recursive: true });
    writeFileSync(join(onlyGit, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    for (const path of [empty, onlyGit]) {
      const result = tokentrail(['scan', path]);
      assert.equal(result.status, 2, `${path}: ${result.stdout}`);
      assert.match(result.stderr, /no readable file under /);
    }
    const dangling = tokentrail(['scan', join(dir, 'dangling')]);
    assert.equal(dangling.status, 2);
    assert.match(dangling.stderr, /cannot read .*dangling \(a symbolic link\): ENOENT/);
    assert.equal(
      tokentrail(['scan', '--no-default-excludes', onlyGit]).status,
      0,
      'with .git scanned, a file was read',
    );
  });

  test('--exclude adds to the default .git; --no-default-excludes drops it', () => {
    const tree = join(dir, 'excludes');
    mkdirSync(join(tree, '.git'), { recursive: true });
    mkdirSync(join(tree, 'vendor'));
    writeFileSync(join(tree, '.git', 'ORIG'), tokens[3]);
    writeFileSync(join(tree, 'vendor', 'x.js'), tokens[4]);
    writeFileSync(join(tree, 'app.log'), 'nothing here\n');
    const added = tokentrail(['scan', '--exclude', 'vendor', tree]);
    assert.equal(added.status, 0, added.stdout);
    assert.match(added.stdout, /^0 tokens \(0 distinct\) in 1 files/m);
    const dropped = tokentrail(['scan', '--no-default-excludes', '--exclude', 'vendor', tree]);
    assert.equal(dropped.status, 1, dropped.stdout);
    assert.match(dropped.stdout, /\.git\/ORIG:1:1 /);
  });

  test('with TOKENTRAIL_PSEUDONYM_KEY the fingerprint is the telemetry jwt.token.fingerprint', () => {
    const file = join(dir, 'one.log');
    writeFileSync(file, `Authorization: Bearer ${tokens[1]}\n`);
    const key = 'scan-pseudonym-key-0123456789';
    const result = tokentrail(['scan', '--json', file], { env: { ...process.env, TOKENTRAIL_PSEUDONYM_KEY: key } });
    assert.equal(
      JSON.parse(result.stdout).findings[0].fingerprint,
      createHmac('sha256', key).update(tokens[1]).digest('hex').slice(0, 32),
    );
  });

  test('errors exit 2: no path, an unreadable path; --help exits 0', () => {
    assert.equal(tokentrail(['scan']).status, 2);
    const missing = tokentrail(['scan', join(dir, 'nope')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nope: ENOENT/);
    const help = tokentrail(['scan', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Exit status: 0 no token found; 1 at least one token found; 2/);
  });
});
