/**
 * The deploy configuration's wiring (examples/deploy), checked with nothing but Node (the real Collector, Jaeger
 * and Prometheus run it in pnpm test:backends):
 * every component a pipeline names exists, tail sampling keys on tokentrail's real attributes and values, audit
 * log records are never sampled, and exporters point at services the compose file defines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import {
  AUTHZ_OUTCOMES,
  DETECTORS,
  FINDINGS,
  FINDING_SEVERITY,
  OUTCOMES,
  SEVERITIES,
} from '@tokentrail/instrumentation-jwt';

const read = (file) => parse(readFileSync(new URL(`../examples/deploy/${file}`, import.meta.url), 'utf8'));
const collector = read('otel-collector.yaml');
const compose = read('compose.yaml');

test('every receiver, processor and exporter a pipeline names is defined', () => {
  const pipelines = Object.entries(collector.service.pipelines);
  assert.deepEqual(pipelines.map(([name]) => name).sort(), ['logs', 'metrics', 'traces']);
  for (const [name, pipeline] of pipelines) {
    for (const section of ['receivers', 'processors', 'exporters']) {
      for (const component of pipeline[section] ?? [])
        assert.ok(component in collector[section], `${name}: ${section}.${component} is not defined`);
    }
    assert.ok(pipeline.exporters.length > 0, `${name} exports somewhere`);
  }
  for (const extension of collector.service.extensions ?? []) assert.ok(extension in collector.extensions);
});

test('traces are tail-sampled on tokentrail attributes; audit log records are not sampled', () => {
  const { traces, logs } = collector.service.pipelines;
  assert.ok(traces.processors.includes('tail_sampling'));
  assert.ok(traces.processors.indexOf('tail_sampling') < traces.processors.indexOf('batch'), 'sample before batching');
  assert.ok(!logs.processors.some((p) => /sampl/.test(p)), 'no sampling processor on logs');
  const policies = collector.processors.tail_sampling.policies;
  const outcome = policies.find((p) => p.string_attribute?.key === 'jwt.validation.outcome');
  assert.deepEqual(
    outcome.string_attribute.values.filter((v) => !OUTCOMES.includes(v)),
    [],
    'values are real outcomes',
  );
  assert.deepEqual(outcome.string_attribute.values.sort(), ['invalid', 'unverified']);
  const authz = policies.find((p) => p.string_attribute?.key === 'jwt.authz.outcome');
  assert.deepEqual(
    authz.string_attribute.values.filter((v) => !AUTHZ_OUTCOMES.includes(v)),
    [],
  );
  const findingConditions = policies
    .flatMap((p) => p.ottl_condition?.span ?? [])
    .filter((c) => c.includes('jwt.findings'));
  const kept = findingConditions.map(
    (c) =>
      c.match(
        /^attributes\["jwt\.findings"\] != nil and ContainsValue\(attributes\["jwt\.findings"\], "([a-z0-9_]+)"\)$/,
      )?.[1],
  );
  const serious = FINDINGS.filter((f) => FINDING_SEVERITY[f] === 'high' || FINDING_SEVERITY[f] === 'critical');
  assert.deepEqual(
    kept.toSorted(),
    serious.toSorted(),
    'traces with a high or critical finding are kept, whatever their other findings',
  );
  assert.ok(policies.some((p) => p.type === 'probabilistic' && p.probabilistic.sampling_percentage < 100));
  const events = policies.flatMap((p) => p.ottl_condition?.spanevent ?? []);
  assert.deepEqual(
    events.toSorted(),
    ['name == "jwt.alert"', 'name == "jwt.revoke"'],
    'traces with an alert or a revocation are kept',
  );
  for (const policy of policies) assert.ok(policy.type in policy, `${policy.name} has its ${policy.type} block`);
});

test('exporters point at services the compose file defines, and the collector mounts this config', () => {
  for (const [name, exporter] of Object.entries(collector.exporters)) {
    if (!exporter?.endpoint || exporter.endpoint.startsWith('0.0.0.0')) continue;
    const host = exporter.endpoint.replace(/^https?:\/\//, '').split(':')[0];
    assert.ok(host in compose.services, `exporter ${name} sends to ${host}, which compose does not define`);
  }
  const volumes = compose.services['otel-collector'].volumes.join();
  assert.match(volumes, /otel-collector\.yaml:\/etc\/otelcol\/config\.yaml/);
  assert.ok(
    compose.services['otel-collector'].ports.some((p) => p.startsWith('4318:')),
    'OTLP/HTTP is published',
  );
  for (const [, service] of Object.entries(compose.services))
    assert.match(service.image, /:[0-9v]/, `${service.image} pins a version`);
});

const readText = (file) => readFileSync(new URL(`../examples/deploy/${file}`, import.meta.url), 'utf8');

/** Prometheus names of tokentrail's instruments, as the Collector's prometheus exporter writes them. */
const PROMETHEUS_METRICS = new Set([
  'jwt_alerts_total',
  'jwt_findings_total',
  'jwt_operation_duration_seconds_count',
  'jwt_operation_duration_seconds_bucket',
]);

function matcherValues(expr, label) {
  return [...expr.matchAll(new RegExp(`${label}=~?"([^"]+)"`, 'g'))].flatMap((m) => m[1].split('|'));
}

test("the Prometheus alert rules use tokentrail's metric names and vocabularies, and Prometheus loads them", () => {
  const rules = read('alert-rules.yml').groups.flatMap((g) => g.rules);
  assert.ok(rules.length >= 5);
  for (const rule of rules) {
    assert.ok(rule.alert && rule.expr && rule.labels?.severity, `${rule.alert} is complete`);
    const metrics = [...rule.expr.matchAll(/\b(jwt_[a-z_]+)(?=[{[])/g)].map((m) => m[1]);
    assert.ok(metrics.length > 0, `${rule.alert} reads a metric`);
    for (const metric of metrics)
      assert.ok(PROMETHEUS_METRICS.has(metric), `${rule.alert}: ${metric} is not a tokentrail metric`);
    for (const value of matcherValues(rule.expr, 'jwt_alert_name'))
      assert.ok(DETECTORS.includes(value), `${rule.alert}: ${value} is not a detector`);
    for (const value of matcherValues(rule.expr, 'jwt_finding_name'))
      assert.ok(FINDINGS.includes(value), `${rule.alert}: ${value} is not a finding`);
    for (const value of matcherValues(rule.expr, 'jwt_finding_severity'))
      assert.ok(SEVERITIES.includes(value), `${rule.alert}: ${value}`);
  }
  const prometheus = read('prometheus.yml');
  const mounts = compose.services.prometheus.volumes.map((v) => v.split(':'));
  for (const file of prometheus.rule_files)
    assert.ok(
      mounts.some(([from, to]) => to === file && from === './alert-rules.yml'),
      `${file} is mounted`,
    );
});

test('the LogQL rules group by attributes tokentrail (or the geoip processor) writes', () => {
  const semconv = createRequire(import.meta.url)('../packages/instrumentation-jwt/build/semconv.js');
  // Loki names structured metadata after the attribute with "." replaced by "_".
  const written = new Set(
    Object.values(semconv)
      .filter((v) => typeof v === 'string')
      .map((name) => name.replaceAll('.', '_')),
  );
  const rules = read('loki-rules.yaml').groups.flatMap((g) => g.rules);
  assert.ok(
    rules.some((r) => r.alert === 'JwtTokenUsedFromTwoCountries') &&
      rules.some((r) => r.alert === 'JwtUserSeenFromTwoCountries'),
  );
  for (const rule of rules) {
    const labels = [...rule.expr.matchAll(/by \(([^)]+)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()));
    assert.ok(labels.length > 0);
    for (const label of labels)
      assert.ok(
        written.has(label) || label.startsWith('geo_'),
        `${rule.alert}: ${label} is not an attribute tokentrail writes`,
      );
    assert.match(rule.expr, /event_name="jwt\.request"/);
  }
});

test('the geoip overlay adds the processor on client.address to the logs and traces pipelines, with its database mounted', () => {
  const overlay = read('otel-collector-geoip.yaml');
  const merged = structuredClone(collector);
  merged.processors = { ...merged.processors, ...overlay.processors };
  merged.exporters = { ...merged.exporters, ...overlay.exporters };
  for (const [name, pipeline] of Object.entries(overlay.service.pipelines))
    merged.service.pipelines[name] = { ...merged.service.pipelines[name], ...pipeline };
  for (const [name, pipeline] of Object.entries(merged.service.pipelines)) {
    for (const section of ['receivers', 'processors', 'exporters']) {
      for (const component of pipeline[section] ?? [])
        assert.ok(component in merged[section], `${name}: ${section}.${component} is not defined`);
    }
  }
  const { geoip } = overlay.processors;
  assert.equal(geoip.context, 'record', 'the address is a record attribute, not a resource attribute');
  assert.deepEqual(geoip.attributes, ['client.address']);
  for (const name of ['logs', 'traces']) {
    const processors = merged.service.pipelines[name].processors;
    assert.ok(
      processors.indexOf('geoip') >= 0 && processors.indexOf('geoip') < processors.indexOf('batch'),
      `${name}: geoip before batch`,
    );
  }
  const traces = merged.service.pipelines.traces.processors;
  assert.ok(traces.indexOf('geoip') < traces.indexOf('tail_sampling'));
  // geoip edits the records it enriches; the audit trail is also kept as emitted, for tokentrail verify.
  const audit = merged.service.pipelines['logs/audit'];
  assert.deepEqual(audit.receivers, merged.service.pipelines.logs.receivers);
  assert.ok(!audit.processors.includes('geoip') && audit.exporters.every((e) => e.startsWith('file/')));
  const override = read('compose.geoip.yaml').services['otel-collector'];
  const volumes = override.volumes.map((v) => v.split(':'));
  const [, overlayPath] = volumes.find(([from]) => from === './otel-collector-geoip.yaml');
  assert.ok(override.command.includes(`--config=${overlayPath}`), 'the overlay is loaded');
  assert.ok(override.command.includes('--config=/etc/otelcol/config.yaml'), 'on top of the base configuration');
  const database = geoip.providers.maxmind.database_path;
  assert.ok(
    volumes.some(([, to]) => database.startsWith(`${to}/`)),
    `${database} is inside a mounted directory`,
  );
  assert.ok(
    volumes.some(([, to]) => dirname(overlay.exporters['file/audit'].path) === to),
    'the audit file is in a mounted directory',
  );
  assert.match(readText('README.md'), /pnpm test:backends/);
});
