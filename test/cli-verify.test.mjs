/**
 * `tokentrail verify` on a real trail (the express-jose example under @tokentrail/register, with a signing
 * key), written as the Collector's file exporter writes it (one OTLP/JSON export request per line, with
 * trace and metric lines in between) and as OTLP/JSON request bodies: the untampered trail verifies, and
 * every generated tamper case is detected and named.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readTrailRecords, verifyFiles, verifyStream } from '@tokentrail/cli/verify';
import { CLI, recordTrail, signingKeys, tempDir, writeJsonLines } from './support/audit-trail-run.mjs';
import { TAMPERS, random, streamCount } from './support/tamper.mjs';

const CASES_PER_KIND = Number(process.env.TOKENTRAIL_TAMPER_CASES ?? 100);
const SEED = Number(process.env.TOKENTRAIL_TAMPER_SEED ?? Date.now() % 1_000_000);

function tokentrail(args, options = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...options });
}

/** Writes export requests in one of the two formats; returns the files to verify. */
function write(dir, format, requests, others = []) {
  mkdirSync(dir, { recursive: true });
  if (format === 'collector') return [writeJsonLines(join(dir, 'export.jsonl'), [...others, ...requests])];
  return requests.map((request, i) => {
    const file = join(dir, `body-${i}.json`);
    writeFileSync(file, JSON.stringify(request, null, 2));
    return file;
  });
}

describe('tokentrail verify', () => {
  const keys = signingKeys();
  const trails = {};
  let dir;
  let publicKeyFile;
  before(async () => {
    dir = tempDir();
    publicKeyFile = join(dir, 'audit-public.pem');
    writeFileSync(publicKeyFile, keys.publicPem);
    writeFileSync(join(dir, 'audit-public.jwk'), JSON.stringify(keys.publicJwk));
    const collector = await recordTrail({
      protocol: 'http/protobuf',
      privatePem: keys.privatePem,
      requests: 16,
      interval: 7,
    });
    const json = await recordTrail({ protocol: 'http/json', privatePem: keys.privatePem, requests: 16, interval: 7 });
    trails.collector = {
      requests: collector.logBodies,
      others: collector.allBodies.filter((body) => !body.resourceLogs),
    };
    trails.json = { requests: json.logBodies, others: [] };
  });

  for (const format of ['collector', 'json']) {
    test(`${format}: the untampered export verifies (exit 0), with the public key as PEM and as JWK`, () => {
      const files = write(join(dir, `${format}-clean`), format, trails[format].requests, trails[format].others);
      for (const key of [publicKeyFile, join(dir, 'audit-public.jwk')]) {
        const result = tokentrail(['verify', '--public-key', key, ...files]);
        assert.equal(result.status, 0, result.stdout + result.stderr);
        assert.match(
          result.stdout,
          /^VERIFIED stream [0-9a-f]{32} \(tokentrail-example\): (\d+) records \(seq 1…\1\), \d+ checkpoints? \(\d+ signed, signatures verified\), sealed$/m,
        );
        // The CLI README's example prints the same lines, up to the figures and names.
        const readme = readFileSync(new URL('../packages/cli/README.md', import.meta.url), 'utf8');
        const example = readme.slice(readme.indexOf('$ pnpm exec tokentrail verify --public-key audit-public.pem '));
        const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const pattern = (line) =>
          new RegExp(
            `^${line
              .split(/([0-9a-f]{32}|\d+|\(orders-api\)|checkpoint\b)/)
              .map((part, i) => {
                if (i % 2 === 0) return escapeRegExp(part);
                if (/^[0-9a-f]{32}$/.test(part)) return '[0-9a-f]{32}';
                if (/^\d+$/.test(part)) return '\\d+';
                return part === 'checkpoint' ? 'checkpoints?' : '\\([^)]+\\)';
              })
              .join('')}$`,
            'm',
          );
        for (const line of example.split('\n').slice(1, 3)) assert.match(result.stdout, pattern(line));
      }
      const json = JSON.parse(tokentrail(['verify', '--json', '--public-key', publicKeyFile, ...files]).stdout);
      assert.equal(json.verified, true);
      assert.equal(json.streams.length, 1);
      assert.deepEqual(json.streams[0].problems, []);
    });
  }

  test(`${Object.keys(TAMPERS).length * CASES_PER_KIND * 2} generated tamper cases: every one detected and named (seed ${SEED})`, async () => {
    const rng = random(SEED);
    const key = createPublicKey(keys.publicPem);
    const { crv, kty, x } = key.export({ format: 'jwk' });
    const publicKey = { key, keyId: createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url') };
    const tally = {};
    const misses = [];
    let n = 0;
    for (const format of ['collector', 'json']) {
      for (const [name, tamper] of Object.entries(TAMPERS)) {
        for (let i = 0; i < CASES_PER_KIND; i++) {
          const { requests, expect } = tamper(trails[format].requests, rng);
          assert.equal(streamCount(requests), 1);
          const files = write(join(dir, `case-${n++}`), format, requests, trails[format].others);
          const report = await verifyFiles(files, { publicKey });
          const named = report.streams[0].problems.filter((problem) => problem.kind === expect.kind);
          const seqs = new Set(named.flatMap((problem) => problem.seqs));
          const ok = !report.verified && named.length > 0 && expect.seqs.every((seq) => seqs.has(seq));
          tally[name] = (tally[name] ?? 0) + (ok ? 1 : 0);
          if (!ok) misses.push({ format, name, expect, problems: report.streams[0].problems });
        }
      }
    }
    console.log(`# tamper cases: ${n}, detected and named: ${n - misses.length} (${JSON.stringify(tally)})`);
    assert.deepEqual(misses.slice(0, 3), [], `${misses.length} of ${n} cases were not detected and named`);
    assert.ok(n >= 1000 || CASES_PER_KIND < 84, 'at least 1,000 cases at the default size');
  });

  test('rewriting the whole chain after an edit is invisible without the public key, and caught with it', () => {
    const { requests } = TAMPERS.rewrite(trails.collector.requests, {
      int: () => 0,
      pick: (list) => list[0],
      next: () => 0,
    });
    const files = write(join(dir, 'rewrite'), 'collector', requests);
    const without = tokentrail(['verify', ...files]);
    assert.equal(without.status, 0, 'every chain links: only the signatures can tell');
    assert.match(without.stdout, /signatures not checked \(no --public-key\)/);
    const withKey = tokentrail(['verify', '--public-key', publicKeyFile, ...files]);
    assert.equal(withKey.status, 1);
    assert.match(withKey.stdout, /^FAILED {3}stream/m);
    assert.match(
      withKey.stdout,
      /signature_invalid +checkpoint seq \d+: signature does not verify with the given public key/,
    );
    assert.doesNotMatch(withKey.stdout, /signatures verified/, 'failed signatures are not called verified');
    assert.match(withKey.stdout, /\(\d+ signed, \d+ signatures? do(es)? not verify\)/);
  });

  test('each kind of tampering is named in the text report and exits 1', () => {
    const rng = random(SEED + 1);
    for (const [name, tamper] of Object.entries(TAMPERS)) {
      const { requests, expect } = tamper(trails.collector.requests, rng);
      const files = write(join(dir, `cli-${name}`), 'collector', requests);
      const result = tokentrail(['verify', '--public-key', publicKeyFile, ...files]);
      assert.equal(result.status, 1, `${name}: ${result.stdout}`);
      assert.match(
        result.stdout,
        new RegExp(`^  ${expect.kind} `, 'm'),
        `${name} is named ${expect.kind}:\n${result.stdout}`,
      );
    }
  });

  test('a key that did not sign the trail is named, with both key ids', () => {
    const other = signingKeys();
    const file = join(dir, 'other-public.pem');
    writeFileSync(file, other.publicPem);
    const files = write(join(dir, 'other-key'), 'collector', trails.collector.requests);
    const result = tokentrail(['verify', '--public-key', file, ...files]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /signature_invalid .*\(it names key [\w-]{43}; the given key is [\w-]{43}\)/);
  });

  test('a record delivered twice by a retried export: duplicated unless --allow-redelivered; a copy that differs always fails', () => {
    const { requests } = TAMPERS.duplicate(trails.collector.requests, random(SEED + 3));
    const files = write(join(dir, 'redelivered'), 'collector', requests);
    const strict = tokentrail(['verify', '--public-key', publicKeyFile, ...files]);
    assert.equal(strict.status, 1);
    assert.match(strict.stdout, /^ {2}duplicated /m);
    const lenient = tokentrail(['verify', '--allow-redelivered', '--public-key', publicKeyFile, ...files]);
    assert.equal(lenient.status, 0, lenient.stdout);

    const altered = structuredClone(requests);
    const copies = new Map();
    for (const request of altered)
      for (const rl of request.resourceLogs ?? [])
        for (const sl of rl.scopeLogs ?? [])
          for (const record of sl.logRecords ?? []) {
            const seq = record.attributes.find((kv) => kv.key === 'jwt.audit.seq')?.value?.intValue;
            if (seq !== undefined) copies.set(seq, [...(copies.get(seq) ?? []), record]);
          }
    const [, second] = [...copies.values()].find((list) => list.length > 1);
    second.timeUnixNano = (BigInt(second.timeUnixNano) + 1n).toString();
    const differing = tokentrail([
      'verify',
      '--allow-redelivered',
      '--public-key',
      publicKeyFile,
      ...write(join(dir, 'redelivered-differing'), 'collector', altered),
    ]);
    assert.equal(differing.status, 1, differing.stdout);
    assert.match(differing.stdout, /^ {2}duplicated .*with different content/m);
  });

  test('a forged sequence number of 2^53 − 1 is reported as a gap at once, not counted up to', () => {
    const forged = structuredClone(trails.collector.requests);
    const record = forged
      .flatMap((r) => r.resourceLogs ?? [])
      .flatMap((rl) => rl.scopeLogs ?? [])
      .flatMap((sl) => sl.logRecords ?? [])
      .find((r) => r.attributes.some((kv) => kv.key === 'jwt.audit.seq'));
    record.attributes.find((kv) => kv.key === 'jwt.audit.seq').value = { intValue: String(Number.MAX_SAFE_INTEGER) };
    const started = performance.now();
    const result = tokentrail(['verify', ...write(join(dir, 'forged-seq'), 'collector', forged)]);
    assert.ok(performance.now() - started < 15_000, 'verify answered promptly');
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stdout, new RegExp(`^ {2}deleted .*–${Number.MAX_SAFE_INTEGER - 1} missing`, 'm'));
  });

  test('a trail still being written: truncated unless --allow-open', () => {
    const { requests } = TAMPERS.truncate(trails.collector.requests, random(SEED + 2));
    const files = write(join(dir, 'open'), 'collector', requests);
    assert.equal(tokentrail(['verify', ...files]).status, 1);
    const open = tokentrail(['verify', '--allow-open', ...files]);
    assert.equal(open.status, 0, open.stdout);
    assert.match(open.stdout, /, open$/m);
  });

  test('a window of a longer trail (--from-checkpoint): verified from a signed checkpoint on, tampering after it still caught', () => {
    const keep = (requests, predicate) =>
      requests.map((request) => ({
        resourceLogs: request.resourceLogs.map((rl) => ({
          ...rl,
          scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.filter(predicate) })),
        })),
      }));
    const seqOf = (record) => Number(record.attributes.find((kv) => kv.key === 'jwt.audit.seq')?.value.intValue);
    const all = trails.collector.requests.flatMap((r) =>
      r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
    );
    const anchors = all
      .filter((record) => record.eventName === 'jwt.audit.checkpoint')
      .map(seqOf)
      .sort((a, b) => a - b);
    const from = anchors[1];
    const window = keep(trails.collector.requests, (record) => seqOf(record) >= from);
    const files = write(join(dir, 'window'), 'collector', window);
    const plain = tokentrail(['verify', '--public-key', publicKeyFile, ...files]);
    assert.equal(plain.status, 1);
    assert.match(plain.stdout, new RegExp(`deleted +seq 1–${from - 1} missing`));
    const windowed = tokentrail(['verify', '--from-checkpoint', '--public-key', publicKeyFile, ...files]);
    assert.equal(windowed.status, 0, windowed.stdout);
    assert.match(windowed.stdout, new RegExp(`\\(seq ${from}…\\d+\\)`));
    const { requests: edited } = TAMPERS.edit(window, random(SEED + 3));
    const tampered = tokentrail([
      'verify',
      '--from-checkpoint',
      '--public-key',
      publicKeyFile,
      ...write(join(dir, 'window-edited'), 'collector', edited),
    ]);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stdout, /^ {2}modified /m);
    // The anchor's own chain value is checked against its signed head.
    const forged = structuredClone(window);
    const anchor = forged
      .flatMap((r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)))
      .find((record) => seqOf(record) === from);
    anchor.attributes.find((kv) => kv.key === 'jwt.audit.chain').value = { stringValue: '0'.repeat(64) };
    assert.equal(
      tokentrail([
        'verify',
        '--from-checkpoint',
        '--public-key',
        publicKeyFile,
        ...write(join(dir, 'window-forged'), 'collector', forged),
      ]).status,
      1,
    );
  });

  /** The audit records of the collector trail, each with its request's resource and scope, for slicing. */
  const slice = (predicate) =>
    trails.collector.requests.map((request) => ({
      resourceLogs: request.resourceLogs.map((rl) => ({
        ...rl,
        scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.filter(predicate) })),
      })),
    }));
  const seqOf = (record) => Number(record.attributes.find((kv) => kv.key === 'jwt.audit.seq')?.value.intValue);
  const checkpointSeqs = () =>
    trails.collector.requests
      .flatMap((r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)))
      .filter((record) => record.eventName === 'jwt.audit.checkpoint')
      .map(seqOf)
      .sort((a, b) => a - b);

  test('auditor question 11 as documented: a period exported from a checkpoint before it to one after it verifies, records outside are named', () => {
    const [, first, , last] = checkpointSeqs();
    assert.ok(last > first + 7, 'the trail has interval checkpoints to cut a period between');
    // Exported by time, the export starts and ends a few records away from the checkpoints.
    const window = slice((record) => seqOf(record) >= first - 2 && seqOf(record) <= last + 3);
    const where = join(dir, 'period');
    write(where, 'collector', window);
    writeFileSync(join(where, 'logs.jsonl'), readFileSync(join(where, 'export.jsonl')));
    writeFileSync(join(where, 'audit-public.pem'), keys.publicPem);
    // The command of docs/auditor-questions.md, question 11, as written.
    const questions = readFileSync(new URL('../docs/auditor-questions.md', import.meta.url), 'utf8');
    const command = questions.match(/^\| 11 \|.*?`(tokentrail verify [^`]+)`/m)[1];
    assert.equal(command, 'tokentrail verify --public-key audit-public.pem --from-checkpoint logs.jsonl');
    const result = tokentrail(command.split(' ').slice(1), { cwd: where });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `^VERIFIED stream [0-9a-f]{32} \\(tokentrail-example\\): ${last - first + 1} records \\(seq ${first}…${last}\\), 3 checkpoints \\(3 signed, signatures verified\\), window from checkpoint seq ${first} to checkpoint seq ${last}$`,
        'm',
      ),
    );
    assert.match(
      result.stdout,
      new RegExp(
        `^  outside window +seq ${first - 2}–${first - 1}, ${last + 1}–${last + 3} read but not verified`,
        'm',
      ),
    );
    const json = JSON.parse(
      tokentrail(['verify', '--json', '--public-key', 'audit-public.pem', '--from-checkpoint', 'logs.jsonl'], {
        cwd: where,
      }).stdout,
    );
    assert.deepEqual(json.streams[0].window, {
      from: first,
      to: last,
      outside: [
        [first - 2, first - 1],
        [last + 1, last + 3],
      ],
    });

    // The programmatic use of packages/cli/README.md, run as written over the same files.
    const cliReadme = readFileSync(new URL('../packages/cli/README.md', import.meta.url), 'utf8');
    const section = cliReadme.slice(cliReadme.indexOf('## Programmatic use'));
    const snippet = section.match(/```js\n([\s\S]*?)```/)[1];
    mkdirSync(join(where, 'node_modules', '@tokentrail'), { recursive: true });
    symlinkSync(dirname(dirname(CLI)), join(where, 'node_modules', '@tokentrail', 'cli'));
    writeFileSync(join(where, 'api.mjs'), snippet);
    const api = spawnSync(process.execPath, ['api.mjs'], { cwd: where, encoding: 'utf8' });
    assert.equal(api.status, 0, api.stderr);
    const stream = json.streams[0].stream;
    assert.match(
      api.stdout,
      new RegExp(
        `^${stream} true \\{ from: ${first}, to: ${last}, outside: \\[ \\[ ${first - 2}, ${first - 1} \\], \\[ ${last + 1}, ${last + 3} \\] \\] \\} \\[\\]$`,
        'm',
      ),
    );
    assert.match(api.stdout, new RegExp(`^${stream} true$`, 'm'));

    // Tampering inside the window is still caught; a deletion next to the window's end too.
    const { requests: edited } = TAMPERS.edit(
      slice((record) => seqOf(record) >= first && seqOf(record) <= last),
      random(SEED + 4),
    );
    const tampered = tokentrail([
      'verify',
      '--from-checkpoint',
      '--public-key',
      publicKeyFile,
      ...write(join(dir, 'period-edited'), 'collector', edited),
    ]);
    assert.equal(tampered.status, 1, tampered.stdout);
    const gap = tokentrail([
      'verify',
      '--from-checkpoint',
      '--public-key',
      publicKeyFile,
      ...write(
        join(dir, 'period-gap'),
        'collector',
        slice((record) => seqOf(record) >= first && seqOf(record) <= last && seqOf(record) !== last - 1),
      ),
    ]);
    assert.equal(gap.status, 1, gap.stdout);
    assert.match(gap.stdout, new RegExp(`^  deleted +seq ${last - 1} missing`, 'm'));
  });

  test('a window cut inside a record run, or starting at an unsigned checkpoint, fails with a named reason', () => {
    const [, first, second] = checkpointSeqs();
    // From a checkpoint to records that no later checkpoint covers.
    const cut = tokentrail([
      'verify',
      '--from-checkpoint',
      '--public-key',
      publicKeyFile,
      ...write(
        join(dir, 'window-cut'),
        'collector',
        slice((record) => seqOf(record) >= first && seqOf(record) < second),
      ),
    ]);
    assert.equal(cut.status, 1, cut.stdout);
    assert.match(
      cut.stdout,
      new RegExp(
        `^  window_cut +the window ends inside a record run: no checkpoint after seq ${first} covers seq ${first + 1}…${second - 1}`,
        'm',
      ),
    );
    // No checkpoint at all.
    const none = tokentrail([
      'verify',
      '--from-checkpoint',
      ...write(
        join(dir, 'window-none'),
        'collector',
        slice((record) => seqOf(record) > first && seqOf(record) < second),
      ),
    ]);
    assert.equal(none.status, 1, none.stdout);
    assert.match(none.stdout, /^ {2}window_cut +no checkpoint among the records/m);
    // The first checkpoint's signature removed: nothing vouches for the head the window is anchored on.
    const unsigned = structuredClone(slice((record) => seqOf(record) >= first && seqOf(record) <= second));
    for (const record of unsigned.flatMap((r) =>
      r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
    )) {
      if (seqOf(record) === first)
        record.attributes = record.attributes.filter((kv) => !kv.key.startsWith('jwt.audit.checkpoint.signature'));
    }
    const files = write(join(dir, 'window-unsigned'), 'collector', unsigned);
    for (const args of [['--from-checkpoint'], ['--from-checkpoint', '--public-key', publicKeyFile]]) {
      const result = tokentrail(['verify', ...args, ...files]);
      assert.equal(result.status, 1, result.stdout);
      assert.match(
        result.stdout,
        new RegExp(`^  window_unsigned +the window starts at checkpoint seq ${first}, which is not signed`, 'm'),
      );
    }
  });

  test('the programmatic API as documented: verifyFiles with a KeyObject, PEM text or a path; readTrailRecords feeds verifyStream', async () => {
    const files = write(join(dir, 'api'), 'collector', trails.collector.requests);
    for (const publicKey of [
      createPublicKey(keys.publicPem),
      keys.publicPem,
      publicKeyFile,
      join(dir, 'audit-public.jwk'),
    ]) {
      const report = await verifyFiles(files, { publicKey });
      assert.equal(report.verified, true, JSON.stringify(report.streams[0]?.problems));
      assert.equal(report.streams[0].signaturesChecked, true);
    }
    const other = await verifyFiles(files, { publicKey: signingKeys().publicPem });
    assert.equal(other.verified, false);
    assert.equal(other.streams[0].signaturesFailed, other.streams[0].signed);
    await assert.rejects(
      verifyFiles(files, { publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }),
      /an rsa key; checkpoints are signed with Ed25519/,
    );
    const streams = new Map();
    for await (const record of readTrailRecords(files))
      streams.set(record.stream, [...(streams.get(record.stream) ?? []), record]);
    assert.equal(streams.size, 1);
    const [[stream, records]] = streams;
    assert.equal(verifyStream(stream, records, { publicKey: keys.publicPem }).verified, true);
    const window = verifyStream(
      stream,
      records.filter((record) => record.seq >= checkpointSeqs()[1]),
      { publicKey: publicKeyFile, fromCheckpoint: true },
    );
    assert.equal(window.verified, true, JSON.stringify(window.problems));
  });

  test('usage errors, unreadable files, malformed input and bad keys exit 2 with a message naming them', () => {
    const clean = write(join(dir, 'errors'), 'collector', trails.collector.requests);
    const malformed = join(dir, 'errors', 'malformed.jsonl');
    writeFileSync(malformed, `${JSON.stringify(trails.collector.requests[0])}\n{"resourceLogs": [\n`);
    const notOtlp = join(dir, 'errors', 'not-otlp.json');
    writeFileSync(notOtlp, '{"resourceLogs": {"oops": true}}\n');
    const rsaKey = join(dir, 'errors', 'rsa.pem');
    writeFileSync(
      rsaKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const cases = [
      [['verify'], /verify needs at least one file/],
      [['verify', '--nope', ...clean], /Unknown option '--nope'/],
      [['verify', join(dir, 'missing.jsonl')], /cannot read .*missing\.jsonl: ENOENT/],
      [['verify', dir], /cannot read .*: EISDIR/],
      [['verify', malformed], /malformed\.jsonl:2: not JSON$/m],
      [['verify', notOtlp], /not-otlp\.json:1: malformed OTLP\/JSON: resourceLogs must be an array/],
      [['verify', '--public-key', join(dir, 'nope.pem'), ...clean], /cannot read --public-key .*nope\.pem: ENOENT/],
      [['verify', '--public-key', malformed, ...clean], /--public-key .*: not a public key/],
      [['verify', '--public-key', rsaKey, ...clean], /an rsa key; checkpoints are signed with Ed25519/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    // Malformed input is reported by position and kind, never quoted: it may be anything, a token among it.
    const quoted = join(dir, 'errors', 'quoted.jsonl');
    writeFileSync(
      quoted,
      `${JSON.stringify(trails.collector.requests[0])}\neyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl\n{"resourceLogs": [\n`,
    );
    const badValue = join(dir, 'errors', 'bad-value.json');
    const record = {
      timeUnixNano: '1',
      attributes: [{ key: 'jwt.audit.seq', value: { intValue: 'c2VjcmV0LXZhbHVl' } }],
    };
    writeFileSync(badValue, JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] }));
    cases.push(
      [['verify', quoted], /quoted\.jsonl:2: not JSON$/m],
      [['verify', badValue], /bad-value\.json:1: malformed OTLP\/JSON: an intValue is not an integer \(string\)$/m],
    );
    for (const [args, message] of cases) {
      const result = tokentrail(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
      for (const quote of ['eyJhbGci', 'c2VjcmV0'])
        assert.ok(!result.stderr.includes(quote), `${args.join(' ')} does not quote its input`);
    }
    const help = tokentrail(['verify', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: tokentrail verify \[options\] <file…>/);
    assert.match(help.stdout, /Exit status: 0 every stream verifies/);
  });

  test('pnpm exec tokentrail runs the workspace bin', () => {
    const root = join(dirname(CLI), '..', '..', '..');
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
    const result = spawnSync('pnpm', ['exec', 'tokentrail', '--help'], { cwd: root, encoding: 'utf8', env });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /verify <file…>/);
  });
});

test('the command loads nothing of the OpenTelemetry API or SDK (dependencies it does not declare)', () => {
  const guard = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (/^@opentelemetry\\/(api|instrumentation|sdk)/.test(request)) throw new Error('loaded ' + request);
      return resolve.call(this, request, ...rest);
    };
    process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...JSON.parse(process.env.CLI_ARGS)];
    require(${JSON.stringify(CLI)});`;
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
  for (const args of [
    ['verify', '--help'],
    ['inspect', '--help'],
    ['scan', '--help'],
    ['inspect', '--json', unsigned],
  ]) {
    const result = spawnSync(process.execPath, ['-e', guard], {
      encoding: 'utf8',
      env: { ...process.env, CLI_ARGS: JSON.stringify(args) },
    });
    assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  }
});
