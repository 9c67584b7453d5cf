/**
 * pnpm test:backends: the shipped examples/deploy configuration run by a real OpenTelemetry Collector, traces in a
 * real Jaeger v2, metrics in a real Prometheus, log records in the Collector's file exporter — and every shipped
 * Jaeger search and PromQL expression answered by them. Both examples run under @tokentrail/register and
 * export to that Collector. Builds the Collector and Jaeger from tools/ once per machine (then from a cache),
 * installs Prometheus if absent, and stops everything it started. It never passes without running: no Go, no
 * Prometheus, or a backend that does not start, is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { FINDINGS, FINDING_SEVERITY } from '@tokentrail/instrumentation-jwt';
import { runApp } from '@tokentrail/otlp-receiver/run-app';
import { LeakScanner } from '../support/leak-scanner.mjs';
import { BackendsUnavailable, ROOT, goBinaries, prometheusBinaries, stopBuilds } from './binaries.mjs';
import { findingsOf, mustKeep, operationsOf, serverSpanOf } from './expected.mjs';
import { WEAK_SECRET, runScenario } from './scenario.mjs';
import { jaegerTags, shippedQueries } from './shipped-queries.mjs';
import { startStack, stopAll, validateCollector } from './stack.mjs';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('@tokentrail/cli/package.json')), 'build', 'bin.js');
const APPS = {
  express: {
    path: join(dirname(require.resolve('@tokentrail/example-express-jose/package.json')), 'app.mjs'),
    flag: '--import',
    service: 'orders-api',
  },
  koa: {
    path: join(dirname(require.resolve('@tokentrail/example-koa-jsonwebtoken/package.json')), 'app.cjs'),
    flag: '--require',
    service: 'orders-api-koa',
  },
};
const HIGH = FINDINGS.filter((f) => ['high', 'critical'].includes(FINDING_SEVERITY[f]));
/** Sampled share of plain valid traces the shipped policy promises, and the bound: 4 standard deviations. */
const SAMPLED_SHARE = 0.1;
/** increase()/rate() extrapolate to the window's edges: at most 1.6 scrape intervals (1 s) over ≥ 40 s of samples, with room for scrape jitter. */
const EXTRAPOLATION_TOLERANCE = 0.15;

/** The test geo database: the script's client networks (documentation ranges) and the country each is in. */
const COUNTRIES = { '198.51.100.0/24': 'DE', '198.51.101.0/24': 'FR', '203.0.113.0/24': 'BR', '192.0.2.0/24': 'JP' };
const countryOf = (address) =>
  Object.entries(COUNTRIES).find(([net]) => address.startsWith(`${net.split('.').slice(0, 3).join('.')}.`))?.[1];

const PSEUDONYM_KEY = `backends-${randomBytes(12).toString('hex')}`;
const pseudonym = (value) => createHmac('sha256', PSEUDONYM_KEY).update(value, 'utf8').digest('hex').slice(0, 32);
const leaks = new LeakScanner();
const timings = {};
const state = {};
let stack;
const apps = {};
let workDir;

const log = (line) => console.log(`# backends: ${line}`);
const seconds = (from) => Math.round((performance.now() - from) / 100) / 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url) {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${text.slice(0, 500)}`);
  return { json: JSON.parse(text), text };
}

async function promql(query, time) {
  const url = `${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}${time ? `&time=${time}` : ''}`;
  const { json, text } = await getJson(url);
  state.prometheusAnswers.push(json);
  assert.equal(json.status, 'success', text);
  return json.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

async function jaegerSearch(service, tags) {
  const params = new URLSearchParams({
    service,
    limit: '100000',
    start: String(state.startedMs * 1000),
    end: String((Date.now() + 60_000) * 1000),
  });
  if (tags) params.set('tags', JSON.stringify(tags));
  const { json } = await getJson(`${stack.jaegerUrl}/api/traces?${params}`);
  return json.data ?? [];
}

const tagsOf = (span) => Object.fromEntries(span.tags.map((t) => [t.key, t.value]));

async function waitFor(what, predicate, timeoutMs = 60_000, describe = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${await describe()}`);
    await sleep(500);
  }
}

before(
  async () => {
    const total = performance.now();
    let step = performance.now();
    try {
      state.binaries = await goBinaries(log);
      timings[state.binaries.built ? 'build Collector and Jaeger' : 'Collector and Jaeger from cache'] = seconds(step);
      step = performance.now();
      state.prometheus = prometheusBinaries(log);
      timings.prometheus = seconds(step);
    } catch (error) {
      if (error instanceof BackendsUnavailable) console.error(`\n${error.message}\n`);
      throw error;
    }
    const { versions } = state.binaries;
    log(
      `Go ${versions.go}; Collector core ${versions.collectorCore}, contrib ${versions.collectorContrib}; Jaeger ${versions.jaeger}; Prometheus ${state.prometheus.version}`,
    );

    step = performance.now();
    workDir = mkdtempSync(join(tmpdir(), 'tokentrail-backends-'));
    // A City database for the geoip overlay: the script's client networks, each in its own country.
    const geoipDatabase = join(workDir, 'GeoIP2-City-Test.mmdb');
    const written = spawnSync(
      state.binaries.geoipTestdb,
      [geoipDatabase, ...Object.entries(COUNTRIES).map(([net, iso]) => `${net}=${iso}:Testville`)],
      { encoding: 'utf8' },
    );
    assert.equal(written.status, 0, written.stderr);
    stack = await startStack({
      binaries: { ...state.binaries, prometheus: state.prometheus.prometheus },
      workDir,
      geoipDatabase,
    });
    timings['start backends'] = seconds(step);
    log(
      `Jaeger ${stack.jaegerUrl}, Prometheus ${stack.prometheusUrl}, Collector OTLP ${stack.otlpEndpoint}; logs in ${workDir}`,
    );

    step = performance.now();
    const signing = generateKeyPairSync('ed25519');
    state.publicKeyFile = join(workDir, 'audit-public.pem');
    writeFileSync(state.publicKeyFile, signing.publicKey.export({ type: 'spki', format: 'pem' }));
    const privatePem = signing.privateKey.export({ type: 'pkcs8', format: 'pem' });
    for (const line of privatePem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')))
      leaks.register(line, 'audit signing key');
    leaks.register(WEAK_SECRET, 'koa HS256 secret');
    leaks.register(PSEUDONYM_KEY, 'pseudonym key');
    const env = {
      TOKENTRAIL_PSEUDONYM_KEY: PSEUDONYM_KEY,
      TOKENTRAIL_AUDIT_SIGNING_KEY: privatePem,
      TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: '500',
      // The scenario's client stands in for a proxy on loopback: it writes each caller's address in
      // X-Forwarded-For, which tokentrail believes only from a trusted proxy.
      TOKENTRAIL_TRUSTED_PROXIES: 'loopback',
      JWT_SECRET: WEAK_SECRET,
    };
    for (const [name, app] of Object.entries(APPS)) {
      if (state.ended) throw new Error('the run has ended');
      // CI machines share their cores: a start-up can take far longer than on a quiet one.
      apps[name] = await runApp(app.path, {
        endpoint: stack.otlpEndpoint,
        flag: app.flag,
        env: { ...env, OTEL_SERVICE_NAME: app.service },
        startTimeoutMs: 120_000,
      });
      apps[name].service = app.service;
      if (state.ended) await apps[name].stop('SIGKILL');
    }
    timings['start examples'] = seconds(step);

    state.startedMs = Date.now() - 60_000;
    state.prometheusAnswers = [];
    step = performance.now();
    // Warm-up: every series and every detector firing once, scraped by Prometheus before the measured phase.
    state.warmup = await runScenario({ express: apps.express, koa: apps.koa, scale: 'small', tag: 'w', leaks });
    const warmOps = state.warmup.traces.flatMap(operationsOf).length;
    const operationCounts = async () =>
      `: ${JSON.stringify(await promql('sum by (service_name, jwt_operation, jwt_header_alg, jwt_validation_outcome, jwt_validation_reason) (jwt_operation_duration_seconds_count)'))}`;
    await waitFor(
      `Prometheus to scrape the warm-up's ${warmOps} operations`,
      async () => (await promql('sum(jwt_operation_duration_seconds_count)'))[0]?.value === warmOps,
      60_000,
      operationCounts,
    );
    await sleep(2500);
    state.measuredFrom = Date.now();
    timings['warm-up traffic and scrape'] = seconds(step);
    step = performance.now();
    state.run = await runScenario({ express: apps.express, koa: apps.koa, scale: 'full', tag: 'm', leaks });
    timings[`measured traffic (${state.run.traces.length} requests)`] = seconds(step);
    state.traces = [...state.warmup.traces, ...state.run.traces];

    step = performance.now();
    const allOps = state.traces.flatMap(operationsOf).length;
    await waitFor(
      `Prometheus to scrape all ${allOps} operations`,
      async () => (await promql('sum(jwt_operation_duration_seconds_count)'))[0]?.value === allOps,
      60_000,
      operationCounts,
    );
    for (const app of Object.values(apps)) {
      const { code, signal } = await app.stop('SIGTERM');
      assert.equal(code, 0, `${app.service} exited with ${code ?? signal}:\n${app.output().stderr}`);
    }
    // Tail sampling decides 10 s (decision_wait) after a trace's first span; then batching and Jaeger's own.
    let stable = 0;
    let last = -1;
    await waitFor(
      'Jaeger to hold every kept trace',
      async () => {
        const count = (await jaegerSearch('orders-api')).length + (await jaegerSearch('orders-api-koa')).length;
        stable = count === last && count > 0 ? stable + 1 : 0;
        last = count;
        return stable >= 4 && Date.now() - state.run.traces.at(-1).at > 14_000;
      },
      90_000,
    );
    await waitFor(
      'the shutdown checkpoints in the file exporter output',
      () => {
        const text = readFileSync(stack.auditFile, 'utf8');
        return (text.match(/"jwt\.audit\.checkpoint\.reason","value":\{"stringValue":"shutdown"\}/g) ?? []).length >= 2;
      },
      30_000,
    );
    timings['export and tail-sampling decision'] = seconds(step);
    timings['total before checks'] = seconds(total);
  },
  { timeout: 45 * 60_000 },
);

after(async () => {
  // A timed-out before() keeps running: nothing it would still start may outlive the run.
  state.ended = true;
  stopBuilds();
  for (const app of Object.values(apps)) await app.stop('SIGKILL').catch(() => {});
  if (stack) await stack.stop();
  stopAll();
  log(`times (s): ${JSON.stringify(timings)}`);
  if (workDir && !process.env.TOKENTRAIL_BACKENDS_KEEP) rmSync(workDir, { recursive: true, force: true });
});

test('promtool loads the shipped alert rules, and the Collector validates the shipped configuration', () => {
  const check = spawnSync(
    state.prometheus.promtool,
    ['check', 'rules', join(ROOT, 'examples/deploy/alert-rules.yml')],
    { encoding: 'utf8' },
  );
  assert.equal(check.status, 0, check.stderr + check.stdout);
  assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  validateCollector(state.binaries.otelcol, { ports: stack.ports, logsFile: join(workDir, 'validate.jsonl') });
});

test('the Collector ran the shipped configuration without a warning or an error', () => {
  // A tail-sampling condition that fails on a span (ContainsValue over a missing attribute) is ignored by
  // error_mode but logged as a warning for every span: at production volume, a flood.
  const problems = readFileSync(stack.collector.logFile, 'utf8')
    .split('\n')
    .filter((line) => /\t(warn|error)\t/.test(line));
  assert.deepEqual(
    problems.slice(0, 5).map((line) => line.slice(0, 400)),
    [],
  );
});

/** Every trace Jaeger holds for the two services, by trace id. */
async function keptTraces() {
  const kept = new Map();
  for (const service of ['orders-api', 'orders-api-koa'])
    for (const trace of await jaegerSearch(service)) kept.set(trace.traceID, trace);
  return kept;
}

test('tail sampling keeps every failed, unverified, refused, alerted, revoked and high-finding trace, and 10% of the rest', async () => {
  const kept = await keptTraces();
  const scripted = new Map(state.traces.map((t) => [t.traceId, t]));
  for (const id of kept.keys()) assert.ok(scripted.has(id), `Jaeger holds trace ${id}, which the script did not make`);
  const must = state.traces.filter((t) => mustKeep(t, { highFindings: HIGH }));
  const lost = must.filter((t) => !kept.has(t.traceId));
  assert.deepEqual(
    lost.map((t) => `${t.service} ${t.method} ${t.path} (${t.kind})`),
    [],
    'traces the policy must keep',
  );
  const plain = state.traces.filter((t) => !mustKeep(t, { highFindings: HIGH }));
  const keptPlain = plain.filter((t) => kept.has(t.traceId)).length;
  const sd = Math.sqrt(plain.length * SAMPLED_SHARE * (1 - SAMPLED_SHARE));
  const bound = (4 * sd) / plain.length;
  const share = keptPlain / plain.length;
  log(
    `tail sampling: ${must.length} must-keep traces all kept; plain ${keptPlain}/${plain.length} = ${(share * 100).toFixed(1)}% (expected 10% ± ${(bound * 100).toFixed(1)} points, 4σ); ${state.traces.length} requests`,
  );
  assert.ok(state.traces.length >= 1000, 'at least 1,000 scripted requests');
  assert.ok(
    Math.abs(share - SAMPLED_SHARE) <= bound,
    `plain traces kept at ${(share * 100).toFixed(1)}%, outside 10% ± ${(bound * 100).toFixed(1)}`,
  );
  state.kept = kept;
});

/** What a shipped Jaeger search should find, from the script: each trace's server span and issued token. */
function matchesSearch(trace, tags) {
  const span = serverSpanOf(trace);
  const fingerprints = [trace.token, trace.issued].filter(Boolean).map(pseudonym);
  return Object.entries(tags).every(([key, value]) => {
    switch (key) {
      case 'url.path':
        return trace.path.split('?')[0] === value;
      case 'jwt.validation.outcome':
        return span?.outcome === value;
      case 'jwt.authz.outcome':
        return span?.authz === value;
      case 'jwt.token.fingerprint':
        return fingerprints.includes(value);
      case 'enduser.pseudo.id':
        return pseudonym(trace.sub) === value && span?.outcome !== 'invalid';
      default:
        throw new Error(`no expectation for the Jaeger tag ${key}: add it to matchesSearch`);
    }
  });
}

test('every shipped Jaeger search returns exactly the kept traces the scenario should match', async () => {
  const kept = state.kept ?? (await keptTraces());
  const { jaeger } = shippedQueries();
  assert.ok(jaeger.length >= 5);
  const placeholders = {
    '<fingerprint>': pseudonym(state.run.carol.token),
    '<pseudonym>': pseudonym(state.run.alice.sub),
  };
  const figures = [];
  for (const { file, query } of jaeger) {
    const search = query.replace(
      /<[a-z ]+>/g,
      (p) => placeholders[p] ?? assert.fail(`${file}: no value for ${p} in ${query}`),
    );
    const tags = jaegerTags(search);
    const found = new Set();
    for (const service of ['orders-api', 'orders-api-koa'])
      for (const trace of await jaegerSearch(service, tags)) found.add(trace.traceID);
    const expected = state.traces.filter((t) => kept.has(t.traceId) && matchesSearch(t, tags)).map((t) => t.traceId);
    assert.ok(expected.length > 0, `${file}: the scenario makes kept traces for ${query}`);
    assert.deepEqual([...found].sort(), expected.sort(), `${file}: Jaeger search ${query}`);
    figures.push(`${query} → ${found.size}`);
  }
  log(`Jaeger searches: ${figures.join('; ')}`);
});

test('each kept trace has its server span with the documented jwt.* tags and verify span; alerts and revocations are span events', async () => {
  const kept = state.kept ?? (await keptTraces());
  const byId = new Map(state.traces.map((t) => [t.traceId, t]));
  let verifySpans = 0;
  const events = { 'jwt.alert': [], 'jwt.revoke': [] };
  for (const [id, trace] of kept) {
    const scripted = byId.get(id);
    const expected = serverSpanOf(scripted);
    const server = trace.spans.find((s) => tagsOf(s)['span.kind'] === 'server');
    assert.ok(server, `trace ${id} (${scripted.kind}) has its server span`);
    const tags = tagsOf(server);
    if (expected) {
      const where = `${scripted.service} ${scripted.path} (${scripted.kind}) server span`;
      assert.equal(tags['jwt.validation.outcome'], expected.outcome, where);
      assert.equal(tags['jwt.authz.outcome'], expected.authz, where);
      assert.equal(tags['jwt.validation.reason'], expected.reason, where);
      assert.equal(tags['jwt.token.fingerprint'], pseudonym(scripted.token), where);
      if (expected.outcome !== 'invalid') assert.equal(tags['enduser.pseudo.id'], pseudonym(scripted.sub), where);
      for (const span of trace.spans.filter((s) => s.operationName === 'jwt.verify')) {
        verifySpans += 1;
        assert.equal(tagsOf(span)['jwt.validation.outcome'], expected.outcome, `${where}: its jwt.verify span`);
      }
    }
    for (const span of trace.spans)
      for (const entry of span.logs ?? []) {
        const fields = Object.fromEntries(entry.fields.map((f) => [f.key, f.value]));
        if (fields.event in events) events[fields.event].push({ scripted, fields });
      }
  }
  const revokes = events['jwt.revoke'];
  assert.deepEqual(
    revokes.map((e) => e.scripted.kind),
    ['revoke', 'revoke'],
    'one revocation per phase, as a span event',
  );
  assert.ok(
    revokes.every(
      (e) =>
        e.fields['jwt.token.fingerprint'] === pseudonym(e.scripted.token) &&
        e.fields['jwt.revocation.reason'] === 'logout',
    ),
  );
  for (const phase of ['w', 'm']) {
    const fired = events['jwt.alert'].filter((e) => e.scripted.phase === phase);
    assert.deepEqual(
      fired.map((e) => e.fields['jwt.alert.name']).sort(),
      ['failure_burst', 'revoked_token_used', 'token_replay_multi_ip'],
      `phase ${phase}: the alerts as span events`,
    );
    const replay = fired.find((e) => e.fields['jwt.alert.name'] === 'token_replay_multi_ip');
    assert.equal(replay.scripted.kind, 'replay', 'the replay alert is on the request from the sixth address');
    const revoked = fired.find((e) => e.fields['jwt.alert.name'] === 'revoked_token_used');
    assert.equal(revoked.scripted.kind, 'revoked');
    assert.equal(revoked.fields['jwt.token.fingerprint'], pseudonym(revoked.scripted.token));
  }
  log(
    `spans: ${kept.size} kept traces checked, ${verifySpans} jwt.verify spans; ${events['jwt.alert'].length} alert and ${revokes.length} revocation span events`,
  );
});

/** Counts the script expects, grouped like a PromQL `sum by (labels)`. */
function expectedCounts(traces, { metric, filter = () => true, by }) {
  const counts = new Map();
  const add = (labels) => {
    if (!filter(labels)) return;
    const key = JSON.stringify(by.map((l) => labels[l] ?? ''));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (const trace of traces) {
    const service_name = trace.service;
    if (metric === 'operations')
      for (const op of operationsOf(trace))
        add({
          service_name,
          jwt_operation: op.operation,
          jwt_header_alg: op.alg,
          jwt_validation_outcome: op.outcome,
          jwt_validation_reason: op.reason,
        });
    if (metric === 'findings')
      for (const name of findingsOf(trace))
        add({ service_name, jwt_finding_name: name, jwt_finding_severity: FINDING_SEVERITY[name] });
    if (metric === 'alerts') for (const name of trace.alerts ?? []) add({ service_name, jwt_alert_name: name });
  }
  return counts;
}

/**
 * The expectation for each shipped PromQL expression: which metric, filter and grouping it reads, and the
 * window it divides by (rate) or not (increase). A shipped expression without an entry here fails the test.
 */
const PROMQL = {
  'increase(jwt_findings_total{jwt_finding_name="revoked_token_accepted"}[1h]) > 0': {
    metric: 'findings',
    filter: (l) => l.jwt_finding_name === 'revoked_token_accepted',
    by: ['jwt_finding_name'],
  },
  'sum by (jwt_finding_name) (increase(jwt_findings_total{jwt_finding_name=~"lifetime_too_long|missing_exp|missing_jti|alg_none|alg_unexpected|hmac_key_weak|rsa_key_small"}[1d]))':
    {
      metric: 'findings',
      filter: (l) =>
        /^(lifetime_too_long|missing_exp|missing_jti|alg_none|alg_unexpected|hmac_key_weak|rsa_key_small)$/.test(
          l.jwt_finding_name,
        ),
      by: ['jwt_finding_name'],
    },
  'sum by (jwt_validation_reason) (rate(jwt_operation_duration_seconds_count{jwt_operation="verify",jwt_validation_outcome="invalid"}[5m]))':
    {
      metric: 'operations',
      filter: (l) => l.jwt_operation === 'verify' && l.jwt_validation_outcome === 'invalid',
      by: ['jwt_validation_reason'],
      window: 300,
    },
  'sum by (jwt_header_alg) (rate(jwt_operation_duration_seconds_count[1h]))': {
    metric: 'operations',
    by: ['jwt_header_alg'],
    window: 3600,
  },
  'sum by (service_name, jwt_alert_name) (increase(jwt_alerts_total[5m])) > 0': {
    metric: 'alerts',
    by: ['service_name', 'jwt_alert_name'],
  },
  'sum by (service_name, jwt_alert_name) (increase(jwt_alerts_total{jwt_alert_name=~"token_replay_multi_ip|revoked_token_used"}[5m])) > 0':
    {
      metric: 'alerts',
      filter: (l) => /^(token_replay_multi_ip|revoked_token_used)$/.test(l.jwt_alert_name),
      by: ['service_name', 'jwt_alert_name'],
    },
  'sum by (service_name, jwt_finding_name) (increase(jwt_findings_total{jwt_finding_severity="critical"}[15m])) > 0': {
    metric: 'findings',
    filter: (l) => l.jwt_finding_severity === 'critical',
    by: ['service_name', 'jwt_finding_name'],
  },
  'sum by (service_name, jwt_finding_name) (increase(jwt_findings_total{jwt_finding_name=~"alg_none|hmac_key_weak|rsa_key_small"}[1h])) > 0':
    {
      metric: 'findings',
      filter: (l) => /^(alg_none|hmac_key_weak|rsa_key_small)$/.test(l.jwt_finding_name),
      by: ['service_name', 'jwt_finding_name'],
    },
  'sum by (service_name) (rate(jwt_operation_duration_seconds_count{jwt_operation="verify",jwt_validation_outcome="invalid"}[5m])) > 5':
    {
      metric: 'operations',
      filter: (l) => l.jwt_operation === 'verify' && l.jwt_validation_outcome === 'invalid',
      by: ['service_name'],
      window: 300,
      threshold: 5,
    },
  'sum (rate(jwt_operation_duration_seconds_count{jwt_validation_reason=~"signature_invalid|alg_not_allowed"}[5m])) > 1':
    {
      metric: 'operations',
      filter: (l) => /^(signature_invalid|alg_not_allowed)$/.test(l.jwt_validation_reason),
      by: [],
      window: 300,
      threshold: 1,
    },
};

/** The raw cumulative counter a PromQL expression reads, summed the same way: exact counts, no extrapolation. */
function rawQuery(query) {
  const selector = query.match(/(jwt_[a-z_]+(?:\{[^}]*\})?)\[/)[1];
  const by = query.match(/^sum (?:by \(([^)]*)\) )?\(/);
  if (by) return `sum${by[1] ? ` by (${by[1]})` : ''} (${selector})`;
  return `sum by (${['jwt_finding_name']}) (${selector})`;
}

const keyOf = (labels, by) => JSON.stringify(by.map((l) => labels[l] ?? ''));

test('every shipped PromQL expression returns the expected series: counters exact, increase() and rate() within tolerance', async () => {
  const { promql: shipped } = shippedQueries();
  assert.ok(shipped.length >= 8);
  // Samples over at least 40 s keep Prometheus's extrapolation (≤ 1.6 scrape intervals of 1 s) near 4%.
  await sleep(Math.max(0, state.measuredFrom + 40_000 - Date.now()));
  const measured = state.run.traces;
  const figures = [];
  for (const { file, query, alert } of shipped) {
    const spec = PROMQL[query];
    assert.ok(spec, `${file}: no expectation for ${query}: add it to PROMQL in test/backends/backends.test.mjs`);
    // Exact: the cumulative counters over both phases.
    const total = expectedCounts(state.traces, spec);
    const raw = await promql(rawQuery(query));
    assert.deepEqual(
      new Map(raw.map((r) => [keyOf(r.labels, spec.by), r.value])),
      total,
      `${file}: counters behind ${query}`,
    );
    // The shipped expression: the measured phase's increase (or rate over its window), extrapolated by Prometheus.
    const counts = expectedCounts(measured, spec);
    const scale = spec.window ? 1 / spec.window : 1;
    const threshold = spec.threshold ?? (/> 0$/.test(query) ? 0 : -Infinity);
    const expected = [...counts].filter(
      ([, n]) => n * scale * (1 + EXTRAPOLATION_TOLERANCE) > threshold && n * scale > threshold,
    );
    const answer = await promql(query);
    assert.deepEqual(
      answer.map((r) => keyOf(r.labels, spec.by)).sort(),
      expected.map(([key]) => key).sort(),
      `${file}: series of ${query}`,
    );
    for (const r of answer) {
      const n = counts.get(keyOf(r.labels, spec.by)) * scale;
      assert.ok(
        r.value >= n * 0.999 && r.value <= n * (1 + EXTRAPOLATION_TOLERANCE),
        `${file}: ${query} ${JSON.stringify(r.labels)} = ${r.value}, expected ${n} (+${EXTRAPOLATION_TOLERANCE * 100}%)`,
      );
    }
    if (spec.threshold !== undefined) {
      // Below their thresholds in this scenario: the expression without its comparison gives the rate itself.
      const inner = await promql(query.replace(/\s*>\s*[\d.]+$/, ''));
      for (const r of inner) {
        const n = counts.get(keyOf(r.labels, spec.by)) * scale;
        assert.ok(
          r.value >= n * 0.999 && r.value <= n * (1 + EXTRAPOLATION_TOLERANCE),
          `${file}: ${query} without threshold ${JSON.stringify(r.labels)} = ${r.value}, expected ${n}`,
        );
      }
    }
    figures.push(
      `${alert ?? query.slice(0, 60)}: ${answer.length} series [${answer.map((r) => r.value.toPrecision(4)).join(', ')}]`,
    );
  }
  log(`PromQL:\n#   ${figures.join('\n#   ')}`);
});

test('the alerts the scenario should fire are firing in Prometheus, the others are not', async () => {
  const rules = shippedQueries().promql.filter((q) => q.alert);
  const shouldFire = rules
    .filter((r) => !PROMQL[r.query].threshold)
    .map((r) => r.alert)
    .sort();
  const { json } = await getJson(`${stack.prometheusUrl}/api/v1/alerts`);
  state.prometheusAnswers.push(json);
  const firing = [
    ...new Set(json.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname)),
  ].sort();
  assert.deepEqual(firing, shouldFire);
  const { json: ruleState } = await getJson(`${stack.prometheusUrl}/api/v1/rules`);
  const loaded = ruleState.data.groups
    .flatMap((g) => g.rules)
    .filter((r) => r.health === 'ok')
    .map((r) => r.name)
    .sort();
  assert.deepEqual(loaded, rules.map((r) => r.alert).sort(), 'every rule loaded and evaluated without error');
  log(`alerts firing: ${firing.join(', ')}`);
});

test('the geoip overlay adds geo.country.iso_code from client.address to server spans and jwt.request records', async () => {
  const kept = state.kept ?? (await keptTraces());
  const byId = new Map(state.traces.map((t) => [t.traceId, t]));
  let spans = 0;
  for (const [id, trace] of kept) {
    const scripted = byId.get(id);
    const server = tagsOf(trace.spans.find((s) => tagsOf(s)['span.kind'] === 'server'));
    if (server['client.address'] === undefined) continue;
    assert.equal(server['client.address'], scripted.client);
    assert.equal(
      server['geo.country.iso_code'],
      countryOf(scripted.client),
      `${scripted.path} from ${scripted.client}`,
    );
    spans += 1;
  }
  let records = 0;
  for (const line of readFileSync(stack.logsFile, 'utf8').split('\n').filter(Boolean)) {
    for (const rl of JSON.parse(line).resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? []) {
          if (record.eventName !== 'jwt.request') continue;
          const attributes = Object.fromEntries(record.attributes.map((a) => [a.key, a.value.stringValue]));
          assert.equal(
            attributes['geo.country.iso_code'],
            countryOf(attributes['client.address']),
            `jwt.request from ${attributes['client.address']}`,
          );
          records += 1;
        }
  }
  assert.ok(spans > 100 && records >= state.traces.filter((t) => t.kind !== 'sign').length);
  log(`geoip: ${spans} server spans and ${records} jwt.request records carry the country of their client.address`);
});

test('tokentrail verify passes on what the Collector file exporter wrote, and names the edit on a tampered copy', () => {
  const verify = spawnSync(process.execPath, [CLI, 'verify', '--public-key', state.publicKeyFile, stack.auditFile], {
    encoding: 'utf8',
  });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /2 streams: 2 verified/);
  // The geo-enriched copy (Loki's) has attributes added after emission: as docs/audit-trail.md says, it fails.
  const enriched = spawnSync(process.execPath, [CLI, 'verify', '--public-key', state.publicKeyFile, stack.logsFile], {
    encoding: 'utf8',
  });
  assert.equal(enriched.status, 1, 'records the geoip processor edited do not verify');
  const lines = readFileSync(stack.auditFile, 'utf8').split('\n').filter(Boolean);
  const requests = lines.map((line) => JSON.parse(line));
  // Change one jwt.request record's outcome from invalid to valid, as someone covering a failed attempt would.
  let edited;
  for (const request of requests)
    for (const rl of request.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? []) {
          const outcome = record.attributes?.find((a) => a.key === 'jwt.validation.outcome');
          if (!edited && record.eventName === 'jwt.request' && outcome?.value.stringValue === 'invalid') {
            outcome.value.stringValue = 'valid';
            edited = record.attributes.find((a) => a.key === 'jwt.audit.seq').value;
          }
        }
  assert.ok(edited, 'the file holds a jwt.request record with an invalid token');
  const tamperedFile = join(workDir, 'tampered.jsonl');
  writeFileSync(tamperedFile, `${requests.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const tampered = spawnSync(process.execPath, [CLI, 'verify', '--public-key', state.publicKeyFile, tamperedFile], {
    encoding: 'utf8',
  });
  assert.equal(tampered.status, 1, tampered.stdout + tampered.stderr);
  const seq = String(edited.intValue ?? edited.stringValue);
  assert.match(tampered.stdout + tampered.stderr, new RegExp(`\\b${seq}\\b`), `the report names seq ${seq}`);
  log(`verify: ${lines.length} export requests in the file exporter output verify; the edit at seq ${seq} is reported`);
});

test('nothing Jaeger, Prometheus or the file exporter holds contains a token, segment, key or raw claim', async () => {
  const { json: series } = await getJson(
    `${stack.prometheusUrl}/api/v1/series?match[]=${encodeURIComponent('{__name__=~"jwt_.+"}')}`,
  );
  const file = [stack.logsFile, stack.auditFile]
    .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line));
  const all = await keptTraces();
  const scanned = leaks.assertClean({
    spans: [...all.values()].flatMap((t) =>
      t.spans.map((s) => ({
        name: s.operationName,
        attributes: tagsOf(s),
        events: s.logs.map((l) => ({ name: 'log', attributes: l.fields })),
        resource: { attributes: t.processes },
      })),
    ),
    // Jaeger's search answers are subsets of the traces above; Prometheus's answers are small and all scanned.
    logRecords: [...file, ...state.prometheusAnswers].map((body) => ({ eventName: 'backend answer', body })),
    metricPoints: series.data.map((labels) => ({ attributes: labels })),
  });
  log(
    `leak scan: ${scanned} strings from Jaeger (all ${all.size} traces it holds), Prometheus (${series.data.length} series, ${state.prometheusAnswers.length} answers) and the file exporter (${file.length} requests), ${leaks.size} secrets`,
  );
});
