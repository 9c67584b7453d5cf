/**
 * tokentrail report over a trail written by a scripted API under `node --import @tokentrail/register` and
 * stored as the Collector's file exporter stores it: every figure of `--json` against what the scenario did,
 * the period, the HTML's figures, sampled records counted with their weight, a tampered or truncated trail
 * marked NOT VERIFIED, exit statuses, and a leak scan over the HTML and the JSON.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, tempDir, writeJsonLines } from './support/audit-trail-run.mjs';
import { LeakScanner } from './support/leak-scanner.mjs';
import { canonicalRows, expectedReport } from './support/report-expected.mjs';
import { FORGED_ADDRESS, REPLAY_ADDRESSES, runScenario } from './support/report-scenario.mjs';
import { random, TAMPERS } from './support/tamper.mjs';

const scenario = await runScenario();
const dir = tempDir('tokentrail-report-');
const trail = writeJsonLines(join(dir, 'trail.jsonl'), scenario.bodies);
const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
const html = join(dir, 'report.html');
const run = cli('report', trail, '--json', '--out', html);
const json = JSON.parse(run.stdout);
const expected = expectedReport(scenario);
const pick = (object, keys) => Object.fromEntries(keys.map((key) => [key, object[key]]));
const seriesTotal = (series, part) => series.buckets.reduce((sum, bucket) => sum + bucket[part], 0);

test("the scenario ran through the trusted proxy it describes: no forged address is anyone's", () => {
  assert.equal(run.status, 0, run.stderr);
  assert.equal(json.verified, true);
  assert.ok(!run.stdout.includes(FORGED_ADDRESS), 'the address clients wrote themselves appears nowhere');
});

test('Q1 accesses by route and user, over time', () => {
  const q = json.questions.q1;
  assert.equal(q.answered, true);
  assert.equal(q.accesses, expected.q1.accesses);
  assert.deepEqual(canonicalRows(q.byRoute.rows), canonicalRows(expected.q1.byRoute));
  assert.deepEqual(canonicalRows(q.byUser.rows), canonicalRows(expected.q1.byUser));
  assert.deepEqual(canonicalRows(q.byRouteAndUser.rows), canonicalRows(expected.q1.byRouteAndUser));
  assert.equal(seriesTotal(q.series, 'accesses'), expected.q1.accesses);
  for (const ranked of [q.byRoute, q.byUser, q.byRouteAndUser]) assert.equal(ranked.exact, true);
});

test('Q2 outcomes and reasons, over time', () => {
  const q = json.questions.q2;
  assert.equal(q.requests, expected.q2.requests);
  assert.deepEqual(q.outcomes, expected.q2.outcomes);
  assert.deepEqual(canonicalRows(q.reasons.rows), canonicalRows(expected.q2.reasons));
  for (const outcome of ['valid', 'invalid', 'unverified'])
    assert.equal(seriesTotal(q.series, outcome), expected.q2.outcomes[outcome]);
  for (const { reason, requests } of expected.q2.reasons) assert.equal(seriesTotal(q.failures, reason), requests);
});

test('Q3 clients with repeated 401/403 answers', () => {
  const q = json.questions.q3;
  assert.deepEqual(pick(q, ['rejected', 'denied']), pick(expected.q3, ['rejected', 'denied']));
  assert.deepEqual(q.clients.rows, expected.q3.clients);
  assert.equal(q.threshold, 3);
});

test('Q4 tokens issued and refreshed, with lifetimes', () => {
  const q = json.questions.q4;
  assert.deepEqual(
    pick(q, ['issued', 'refreshed', 'shortestSeconds', 'longestSeconds']),
    pick(expected.q4, ['issued', 'refreshed', 'shortestSeconds', 'longestSeconds']),
  );
  assert.deepEqual(
    q.lifetimes.map((row) => row.tokens),
    expected.q4.lifetimes,
  );
  assert.deepEqual(canonicalRows(q.byUser.rows), canonicalRows(expected.q4.byUser));
});

test('Q5 revocations, when, why and by whom', () => {
  const q = json.questions.q5;
  assert.equal(q.revoked, expected.q5.revoked);
  assert.deepEqual(q.reasons, expected.q5.reasons);
  assert.deepEqual(
    q.list.rows.map(({ time, ...row }) => row),
    expected.q5.rows,
  );
  assert.ok(Date.parse(q.list.rows[0].time) <= scenario.marks.beforeReplay);
});

test('Q6 revoked tokens used afterwards', () => {
  const q = json.questions.q6;
  assert.deepEqual(pick(q, ['accepted', 'alerts']), pick(expected.q6, ['accepted', 'alerts']));
  assert.deepEqual(q.tokens.rows, expected.q6.tokens);
});

test('Q7 requests served on never-verified tokens', () => {
  assert.equal(json.questions.q7.served, expected.q7.served);
  assert.deepEqual(json.questions.q7.byRoute.rows, expected.q7.byRoute);
});

test('Q8 scope gaps', () => {
  const q = json.questions.q8;
  assert.deepEqual(
    pick(q, ['insufficient', 'deniedDespiteGrant']),
    pick(expected.q8, ['insufficient', 'deniedDespiteGrant']),
  );
  assert.deepEqual(q.byRouteAndUser.rows, expected.q8.byRouteAndUser);
});

test('Q9 alerts: the replay from many addresses behind the proxy, and the revoked token used', () => {
  const q = json.questions.q9;
  assert.equal(q.alerts, expected.q9.alerts);
  assert.deepEqual(q.byName, expected.q9.byName);
  assert.deepEqual(canonicalRows(q.list.rows.map(({ time, client, ...row }) => row)), canonicalRows(expected.q9.rows));
  assert.ok(REPLAY_ADDRESSES.length > 5, 'more addresses than the default threshold');
});

test('Q10 findings by severity, and the weak tokens in use', () => {
  const q = json.questions.q10;
  assert.equal(q.findings, expected.q10.findings);
  assert.deepEqual(q.bySeverity, expected.q10.bySeverity);
  assert.deepEqual(canonicalRows(q.byName), canonicalRows(expected.q10.byName));
  assert.deepEqual(q.tokens.rows, expected.q10.tokens);
});

test('Q11 the trail, as verify gives it', () => {
  const q = json.questions.q11;
  assert.deepEqual(pick(q, ['verified', 'streams', 'records', 'problems', 'byKind']), expected.q11);
  const verify = JSON.parse(cli('verify', trail, '--json').stdout);
  const { checkedWhileStreaming, ...trailVerdict } = json.trail;
  assert.deepEqual(trailVerdict, verify, "the report's verdict is verify's");
  assert.deepEqual(checkedWhileStreaming, []);
  assert.equal(json.records.read, expected.q11.records);
  assert.deepEqual(json.records.byEvent, {
    ...expected.byEvent,
    'jwt.audit.checkpoint': expected.q11.records - Object.values(expected.byEvent).reduce((a, b) => a + b, 0),
  });
});

test('Q12 sessions across refreshes', () => {
  const q = json.questions.q12;
  assert.deepEqual(pick(q, ['refreshes', 'sessions', 'longest', 'complete']), {
    ...pick(expected.q12, ['refreshes', 'sessions', 'longest']),
    complete: true,
  });
  assert.deepEqual(
    q.chains.map(({ user, tokens, first, last }) => ({ user, tokens, first, last })),
    expected.q12.chains,
  );
});

test('Q13 signing keys by service, first and last seen', () => {
  const q = json.questions.q13;
  assert.equal(q.rotations, expected.q13.rotations);
  assert.deepEqual(
    q.keys.rows.map(({ service, kid, signs, verifies, uses }) => ({ service, kid, signs, verifies, uses })),
    expected.q13.keys,
  );
  const [old, current] = q.keys.rows;
  assert.notEqual(old.key, current.key, 'the rotation shows as a new key fingerprint');
  assert.ok(old.lastSeen > current.firstSeen, 'the old key is still used after the new one came in');
});

test('every question quotes the queries of docs/auditor-questions.md', () => {
  const page = readFileSync(new URL('../docs/auditor-questions.md', import.meta.url), 'utf8');
  const questions = Object.values(json.questions);
  assert.equal(questions.length, 13);
  for (const question of questions) {
    assert.ok(question.queries.length > 0);
    for (const { query } of question.queries)
      assert.ok(page.includes(query.replaceAll('|', '\\|')), `Q${question.number}: ${query}`);
  }
});

test('--from and --to: the questions are answered over the period, the trail is verified whole', () => {
  const from = new Date(scenario.marks.beforeReplay).toISOString();
  const period = JSON.parse(
    cli('report', trail, '--json', '--from', from, '--to', new Date(Date.now() + 60_000).toISOString()).stdout,
  );
  const inPeriod = expectedReport(scenario, { from: scenario.marks.beforeReplay });
  assert.equal(period.period.from, from);
  assert.equal(period.questions.q1.accesses, inPeriod.q1.accesses);
  assert.deepEqual(canonicalRows(period.questions.q1.byRoute.rows), canonicalRows(inPeriod.q1.byRoute));
  assert.deepEqual(period.questions.q2.outcomes, inPeriod.q2.outcomes);
  assert.equal(period.questions.q3.rejected, inPeriod.q3.rejected);
  assert.equal(period.questions.q9.byName.token_replay_multi_ip, 1);
  assert.equal(period.questions.q9.byName.revoked_token_used, 0, 'before the period');
  assert.equal(period.records.read, json.records.read);
  assert.ok(period.records.inPeriod < json.records.inPeriod);
  assert.equal(period.verified, true);
});

test('the HTML shows exactly the figures of --json', () => {
  const page = readFileSync(html, 'utf8');
  const at = (path) => path.split('.').reduce((value, key) => value?.[key], json);
  const figures = [...page.matchAll(/<span class="n" data-path="([^"]+)">([^<]*)<\/span>/g)];
  assert.ok(figures.length > 80, `figures marked in the page (${figures.length})`);
  for (const [, path, text] of figures) assert.equal(Number(text.replaceAll(',', '')), at(path), path);
  for (const id of Object.keys(json.questions))
    assert.match(page, new RegExp(`<section id="${id}" data-question="${id}" data-answered="true">`));
  assert.match(page, /<header class="verdict verified" id="verdict" data-verified="true"><strong>VERIFIED<\/strong>/);
  assert.doesNotMatch(page, /<script|<link|src="http|url\(/i, 'nothing to run or fetch');
});

test('the text report: the verdict first, one line per question, the HTML written', () => {
  const text = cli('report', trail, '--out', join(dir, 'text.html'));
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.match(lines[0], /^VERIFIED: every stream of the trail verifies/);
  for (let n = 1; n <= 13; n++) assert.match(text.stdout, new RegExp(`^Q${n} `, 'm'));
  assert.match(
    text.stdout,
    new RegExp(`^Q2 Outcomes and reasons: ${expected.q2.requests} requests: ${expected.q2.outcomes.valid} valid`, 'm'),
  );
  assert.ok(readFileSync(join(dir, 'text.html'), 'utf8').startsWith('<!doctype html>'));
});

test('a tampered or truncated trail: NOT VERIFIED on the first line and at the top of the HTML, exit status 1', () => {
  const logBodies = scenario.bodies.filter((body) => body.resourceLogs);
  for (const kind of ['edit', 'truncate', 'delete', 'swap']) {
    const { requests } = TAMPERS[kind](logBodies, random(7));
    const file = writeJsonLines(join(dir, `${kind}.jsonl`), requests);
    const out = join(dir, `${kind}.html`);
    const text = cli('report', file, '--out', out);
    assert.equal(text.status, 1, `${kind}: ${text.stderr}`);
    assert.match(text.stdout.split('\n')[0], /^NOT VERIFIED: 1 of 1 stream failed \(/, kind);
    const page = readFileSync(out, 'utf8');
    assert.match(
      page,
      /<body>\s*<header class="verdict failed" id="verdict" data-verified="false" role="alert"><strong>NOT VERIFIED<\/strong>/,
      kind,
    );
    assert.match(page, /<title>NOT VERIFIED — /);
    const report = JSON.parse(cli('report', file, '--json').stdout);
    const verify = JSON.parse(cli('verify', file, '--json').stdout);
    assert.deepEqual(
      report.trail.streams.map((s) => s.problems),
      verify.streams.map((s) => s.problems),
      `${kind}: the problems verify names`,
    );
  }
});

test('exit statuses: 2 for usage and unreadable input, 1 when no audit record was read', () => {
  assert.equal(cli('report').status, 2);
  assert.equal(cli('report', trail, '--from', 'yesterday').status, 2);
  assert.equal(cli('report', trail, '--from', '2026-12-02', '--to', '2026-12-01').status, 2);
  assert.match(cli('report', join(dir, 'missing.jsonl')).stderr, /cannot read .*missing\.jsonl: ENOENT/);
  assert.equal(cli('report', join(dir, 'missing.jsonl')).status, 2);
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const nothing = cli('report', empty, '--out', join(dir, 'empty.html'));
  assert.equal(nothing.status, 1);
  assert.match(nothing.stdout, /^NOT VERIFIED: no audit record was read/);
  assert.match(cli('report', '--help').stdout, /Exit status: 0 the trail verifies/);
});

test('sampled records count with their jwt.sampling.weight, and the report says so', async () => {
  const sampled = await runScenario({ sampleRatio: 0.5 });
  const file = writeJsonLines(join(dir, 'sampled.jsonl'), sampled.bodies);
  const report = JSON.parse(cli('report', file, '--json', '--out', join(dir, 'sampled.html')).stdout);
  const exact = expectedReport(sampled);
  const records = sampled.bodies
    .flatMap((body) => body.resourceLogs ?? [])
    .flatMap((rl) => rl.scopeLogs)
    .flatMap((sl) => sl.logRecords);
  const attribute = (record, key) => record.attributes.find((kv) => kv.key === key)?.value;
  const weighted = records.filter((record) => attribute(record, 'jwt.sampling.weight') !== undefined);
  const keptValidRequests = records.filter(
    (record) =>
      record.eventName === 'jwt.request' && attribute(record, 'jwt.validation.outcome')?.stringValue === 'valid',
  );
  const weightOf = (record) => Number(Object.values(attribute(record, 'jwt.sampling.weight') ?? { intValue: 1 })[0]);
  assert.equal(report.records.sampled, weighted.length);
  assert.ok(weighted.length > 0, 'some records were sampled');
  assert.equal(
    report.questions.q2.outcomes.valid,
    keptValidRequests.reduce((sum, record) => sum + weightOf(record), 0),
  );
  assert.ok(
    weighted.every((record) => weightOf(record) === 2),
    'each stands for two',
  );
  // Never sampled: failures, findings, alerts, revocations.
  assert.deepEqual(
    pick(report.questions.q2.outcomes, ['invalid', 'unverified']),
    pick(exact.q2.outcomes, ['invalid', 'unverified']),
  );
  assert.deepEqual(report.questions.q9.byName, exact.q9.byName);
  assert.equal(report.questions.q10.findings, exact.q10.findings);
  assert.equal(report.questions.q5.revoked, 1);
  assert.match(readFileSync(join(dir, 'sampled.html'), 'utf8'), /<strong>Sampled records are weighted\.<\/strong>/);
  assert.match(cli('report', file).stdout, /^Sampled: \d+ records carry jwt\.sampling\.weight/m);
});

test('leak scan: no token, segment, key or raw personal claim in the HTML or the JSON', () => {
  const leaks = new LeakScanner();
  for (const token of Object.values(scenario.tokens)) leaks.registerToken(token);
  for (const sign of scenario.signs) leaks.registerToken(sign.token);
  for (const [label, key] of Object.entries(scenario.keys)) {
    leaks.register(key, `signing key ${label}`);
    leaks.register(Buffer.from(key).toString('base64url'), `signing key ${label} (base64url)`);
  }
  for (const [name, sub] of Object.entries(scenario.subs)) leaks.register(sub, `raw sub of ${name}`);
  const page = readFileSync(html, 'utf8');
  const scanned = leaks.assertClean({ logRecords: [{ eventName: 'report', body: { html: page, json: run.stdout } }] });
  assert.ok(scanned > 0);
  assert.match(
    leaks.findLeak({ logRecords: [{ body: page + scenario.tokens.alice1.split('.')[1] }] }) ?? '',
    /^token segment 1 found/,
    'the scan finds a planted segment',
  );
});

test('the verdict reached while streaming agrees with verify, records in order or not', async () => {
  const { createRequire } = await import('node:module');
  const build = join(CLI, '..');
  const require = createRequire(import.meta.url);
  const { StreamingVerifier } = require(join(build, 'report', 'streaming-verifier.js'));
  const { readTrailFile } = require(join(build, 'verify', 'otlp-records.js'));
  const { verifyFiles } = require(join(build, 'verify', 'trail-verifier.js'));
  const streamed = async (file) => {
    const verifiers = new Map();
    for await (const record of readTrailFile(file, { skipped: 0 })) {
      if (!verifiers.has(record.stream)) verifiers.set(record.stream, new StreamingVerifier(record.stream, {}));
      verifiers.get(record.stream).accept(record);
    }
    return [...verifiers.values()].map((verifier) => verifier.finish());
  };
  const logBodies = scenario.bodies.filter((body) => body.resourceLogs);
  // Export requests delivered out of order (a retried batch) still verify.
  const shuffled = writeJsonLines(join(dir, 'shuffled.jsonl'), [...logBodies].reverse());
  assert.deepEqual(
    (await streamed(shuffled)).map((s) => [s.verified, s.problems]),
    [[true, []]],
  );
  for (const kind of Object.keys(TAMPERS)) {
    for (let seed = 1; seed <= 6; seed++) {
      const file = writeJsonLines(
        join(dir, `stream-${kind}-${seed}.jsonl`),
        TAMPERS[kind](logBodies, random(seed)).requests,
      );
      const [report] = await streamed(file);
      const verify = (await verifyFiles([file], {})).streams[0];
      assert.equal(report.verified, verify.verified, `${kind} seed ${seed}`);
      const kinds = (r) => [...new Set(r.problems.map((p) => p.kind))].sort();
      // A moved record is named by verify; while streaming it shows as the links it broke.
      if (kind !== 'swap') assert.deepEqual(kinds(report), kinds(verify), `${kind} seed ${seed}`);
    }
  }
});
