/**
 * The deploy configuration (examples/deploy) cannot run here (no container engine), so its wiring is checked:
 * every component a pipeline names exists, tail sampling keys on tokentrail's real attributes and values, audit
 * log records are never sampled, and exporters point at services the compose file defines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { AUTHZ_OUTCOMES, OUTCOMES } from '@tokentrail/instrumentation-jwt';

const read = (file) => parse(readFileSync(new URL(`../examples/deploy/${file}`, import.meta.url), 'utf8'));
const collector = read('otel-collector.yaml');
const compose = read('compose.yaml');

test('every receiver, processor and exporter a pipeline names is defined', () => {
  const pipelines = Object.entries(collector.service.pipelines);
  assert.deepEqual(pipelines.map(([name]) => name).sort(), ['logs', 'metrics', 'traces']);
  for (const [name, pipeline] of pipelines) {
    for (const section of ['receivers', 'processors', 'exporters']) {
      for (const component of pipeline[section] ?? []) assert.ok(component in collector[section], `${name}: ${section}.${component} is not defined`);
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
  assert.deepEqual(outcome.string_attribute.values.filter((v) => !OUTCOMES.includes(v)), [], 'values are real outcomes');
  assert.deepEqual(outcome.string_attribute.values.sort(), ['invalid', 'unverified']);
  const authz = policies.find((p) => p.string_attribute?.key === 'jwt.authz.outcome');
  assert.deepEqual(authz.string_attribute.values.filter((v) => !AUTHZ_OUTCOMES.includes(v)), []);
  assert.ok(policies.some((p) => p.ottl_condition?.span?.some((c) => c.includes('jwt.findings'))));
  assert.ok(policies.some((p) => p.type === 'probabilistic' && p.probabilistic.sampling_percentage < 100));
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
  assert.ok(compose.services['otel-collector'].ports.some((p) => p.startsWith('4318:')), 'OTLP/HTTP is published');
  for (const [, service] of Object.entries(compose.services)) assert.match(service.image, /:[0-9v]/, `${service.image} pins a version`);
});
