/** Runs one library call under a parent span and returns exactly what it exported. */
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, SeverityNumber, trace } from '@opentelemetry/api';
import { expectedAttributes } from './expected.mjs';

const METRIC = 'jwt.operation.duration';

function pointKey(point) {
  return JSON.stringify(Object.entries(point.attributes).sort());
}

async function counts(telemetry) {
  return new Map(
    (await telemetry.metricPoints(METRIC)).map((p) => [
      pointKey(p),
      { count: p.value.count, attributes: p.attributes },
    ]),
  );
}

/**
 * Calls `fn` inside a `caller` span. Returns the single jwt span and log record it produced, the metric point
 * whose count grew by one, and the call's value or error.
 */
export async function recordOperation(telemetry, fn) {
  const before = await counts(telemetry);
  telemetry.reset();
  const tracer = trace.getTracer('test-caller');
  let parent;
  let settled;
  await tracer.startActiveSpan('caller', async (span) => {
    parent = span;
    try {
      settled = { value: await fn() };
    } catch (error) {
      settled = { error };
    } finally {
      span.end();
    }
  });
  const spans = telemetry.spans().filter((s) => s.name.startsWith('jwt.'));
  const logRecords = telemetry.logRecords();
  assert.equal(spans.length, 1, `expected one jwt span, got ${spans.map((s) => s.name)}`);
  assert.equal(logRecords.length, 1, 'expected one log record');
  const after = await counts(telemetry);
  const grown = [...after].filter(([key, { count }]) => count === (before.get(key)?.count ?? 0) + 1);
  const unchanged = [...after].filter(([key, { count }]) => count === (before.get(key)?.count ?? 0));
  assert.equal(grown.length, 1, 'expected exactly one metric point to grow by one');
  assert.equal(grown.length + unchanged.length, after.size, 'no metric point may grow by more than one');
  return { span: spans[0], logRecord: logRecords[0], metricAttributes: grown[0][1].attributes, parent, ...settled };
}

/**
 * What the policy adds on top of the redacted event (findings, key fingerprint, lifecycle): asserted exactly by
 * findings.test.mjs and lifecycle.test.mjs, and left out of the comparison of the core attributes here.
 */
export const INSIGHT_ATTRIBUTES = [
  'jwt.findings',
  'jwt.key.fingerprint',
  'jwt.lifecycle',
  'jwt.token.lifetime',
  'jwt.token.previous_fingerprint',
];

export function withoutInsight(attributes) {
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => !INSIGHT_ATTRIBUTES.includes(key)));
}

/** Asserts the span, the log record and the metric point of one recorded operation. */
export function assertOperation(recorded, { name, attributes, dimensions, failed }) {
  const { metricAttributes, parent } = recorded;
  const span = {
    ...recorded.span,
    name: recorded.span.name,
    kind: recorded.span.kind,
    status: recorded.span.status,
    parentSpanContext: recorded.span.parentSpanContext,
    spanContext: () => recorded.span.spanContext(),
    attributes: withoutInsight(recorded.span.attributes),
  };
  const logRecord = {
    eventName: recorded.logRecord.eventName,
    severityNumber: recorded.logRecord.severityNumber,
    spanContext: recorded.logRecord.spanContext,
    attributes: withoutInsight(recorded.logRecord.attributes),
  };
  assert.equal(span.name, name);
  assert.equal(span.kind, SpanKind.INTERNAL);
  assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId, 'jwt span is a child of the caller');
  assert.deepEqual({ ...span.attributes }, attributes);
  if (failed)
    assert.deepEqual(span.status, {
      code: SpanStatusCode.ERROR,
      message: attributes['jwt.validation.reason'] ?? attributes['error.type'],
    });
  else assert.equal(span.status.code, SpanStatusCode.UNSET);

  assert.equal(logRecord.eventName, name);
  assert.equal(logRecord.severityNumber, failed ? SeverityNumber.WARN : SeverityNumber.INFO);
  const {
    'jwt.audit.seq': seq,
    'jwt.audit.stream': stream,
    'jwt.audit.chain': chain,
    ...recordAttributes
  } = logRecord.attributes;
  assert.ok(Number.isSafeInteger(seq) && seq > 0, 'the record carries its audit sequence number');
  assert.match(stream, /^[0-9a-f]{32}$/, 'the record names its audit stream');
  assert.match(chain, /^[0-9a-f]{64}$/, 'the record carries its chain value');
  assert.deepEqual(recordAttributes, attributes);
  assert.equal(logRecord.spanContext?.spanId, span.spanContext().spanId, 'log record points at the jwt span');
  assert.equal(logRecord.spanContext?.traceId, span.spanContext().traceId);

  assert.deepEqual({ ...metricAttributes }, dimensions);
}

/**
 * The low-cardinality subset the metric point must carry, per the documented allowlist. `trusted`: the token
 * was issued here, or verified with the issuer pinned, so its `iss` may be a dimension.
 */
export function dimensionsOf(attributes, { trusted }) {
  const keys = [
    'jwt.operation',
    'jwt.library',
    'jwt.validation.outcome',
    'jwt.validation.reason',
    'error.type',
    'jwt.header.alg',
  ];
  const dims = Object.fromEntries(keys.filter((k) => attributes[k] !== undefined).map((k) => [k, attributes[k]]));
  if (trusted && attributes['jwt.claims.iss'] !== undefined) dims['jwt.claims.iss'] = attributes['jwt.claims.iss'];
  return dims;
}

/** Records operations and keeps everything they exported, for one leak scan at the end of a suite. */
export function createRecorder(telemetry) {
  const exported = { spans: [], logRecords: [], metricPoints: [] };
  return {
    exported,
    async record(fn) {
      const recorded = await recordOperation(telemetry, fn);
      exported.spans.push(recorded.span);
      exported.logRecords.push(recorded.logRecord);
      exported.metricPoints.push({ attributes: recorded.metricAttributes });
      return recorded;
    },
  };
}

/**
 * Asserts one verify case: `expected` holds `reason`, `claim` and `errorType` when the token must be refused,
 * `claims` and `header` when the token carries them.
 */
export function assertVerifyCase(
  recorded,
  { library, token, header, claims, reason, claim, errorType, issuerChecked = false },
) {
  const failed = reason !== undefined;
  const attributes = expectedAttributes({
    operation: 'verify',
    library,
    outcome: failed ? 'invalid' : 'valid',
    reason,
    claim,
    errorType,
    header,
    payload: claims,
    token,
  });
  assertOperation(recorded, {
    name: 'jwt.verify',
    attributes,
    dimensions: dimensionsOf(attributes, { trusted: !failed && issuerChecked }),
    failed,
  });
}
