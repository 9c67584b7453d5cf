/**
 * Strict validation of OTLP/JSON export requests, following the OTLP specification's JSON mapping:
 * trace and span ids as hex of the right length, 64-bit integers as decimal strings or integral numbers,
 * enums as integers, AnyValue with exactly one value field, and no field the schema does not define.
 * `validate(kind, body)` returns a list of problems, each with the JSON path where it was found.
 */

const isInt = (v) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
const scalar = {
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  int64: isInt,
  uint32: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff,
  double: (v) => typeof v === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(v),
  bytes: (v) => typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v),
  traceId: (v) => typeof v === 'string' && /^[0-9a-fA-F]{32}$/.test(v),
  spanId: (v) => typeof v === 'string' && /^[0-9a-fA-F]{16}$/.test(v),
  optionalSpanId: (v) => typeof v === 'string' && /^([0-9a-fA-F]{16})?$/.test(v),
};
const enumOf = (max) => (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

const KeyValue = { key: 'string', value: 'AnyValue' };
const attributes = ['array', KeyValue];
const InstrumentationScope = { name: 'string', version: 'string', attributes, droppedAttributesCount: 'uint32' };
const EntityRef = {
  schemaUrl: 'string',
  type: 'string',
  idKeys: ['array', 'string'],
  descriptionKeys: ['array', 'string'],
};
const Resource = { attributes, droppedAttributesCount: 'uint32', entityRefs: ['array', EntityRef] };

const Status = { message: 'string', code: enumOf(2) };
const Event = { timeUnixNano: 'int64', name: 'string', attributes, droppedAttributesCount: 'uint32' };
const Link = {
  traceId: 'traceId',
  spanId: 'spanId',
  traceState: 'string',
  attributes,
  droppedAttributesCount: 'uint32',
  flags: 'uint32',
};
const Span = {
  traceId: 'traceId',
  spanId: 'spanId',
  traceState: 'string',
  parentSpanId: 'optionalSpanId',
  flags: 'uint32',
  name: 'string',
  kind: enumOf(5),
  startTimeUnixNano: 'int64',
  endTimeUnixNano: 'int64',
  attributes,
  droppedAttributesCount: 'uint32',
  events: ['array', Event],
  droppedEventsCount: 'uint32',
  links: ['array', Link],
  droppedLinksCount: 'uint32',
  status: Status,
};
const LogRecord = {
  timeUnixNano: 'int64',
  observedTimeUnixNano: 'int64',
  severityNumber: enumOf(24),
  severityText: 'string',
  body: 'AnyValue',
  attributes,
  droppedAttributesCount: 'uint32',
  flags: 'uint32',
  traceId: 'optionalTraceId',
  spanId: 'optionalSpanId',
  eventName: 'string',
};
scalar.optionalTraceId = (v) => typeof v === 'string' && /^([0-9a-fA-F]{32})?$/.test(v);

const Exemplar = {
  filteredAttributes: attributes,
  timeUnixNano: 'int64',
  asDouble: 'double',
  asInt: 'int64',
  spanId: 'optionalSpanId',
  traceId: 'optionalTraceId',
};
const NumberDataPoint = {
  attributes,
  startTimeUnixNano: 'int64',
  timeUnixNano: 'int64',
  asDouble: 'double',
  asInt: 'int64',
  exemplars: ['array', Exemplar],
  flags: 'uint32',
};
const HistogramDataPoint = {
  attributes,
  startTimeUnixNano: 'int64',
  timeUnixNano: 'int64',
  count: 'int64',
  sum: 'double',
  bucketCounts: ['array', 'int64'],
  explicitBounds: ['array', 'double'],
  exemplars: ['array', Exemplar],
  flags: 'uint32',
  min: 'double',
  max: 'double',
};
const Buckets = { offset: 'int64', bucketCounts: ['array', 'int64'] };
const ExponentialHistogramDataPoint = {
  attributes,
  startTimeUnixNano: 'int64',
  timeUnixNano: 'int64',
  count: 'int64',
  sum: 'double',
  scale: 'int64',
  zeroCount: 'int64',
  positive: Buckets,
  negative: Buckets,
  flags: 'uint32',
  exemplars: ['array', Exemplar],
  min: 'double',
  max: 'double',
  zeroThreshold: 'double',
};
const ValueAtQuantile = { quantile: 'double', value: 'double' };
const SummaryDataPoint = {
  attributes,
  startTimeUnixNano: 'int64',
  timeUnixNano: 'int64',
  count: 'int64',
  sum: 'double',
  quantileValues: ['array', ValueAtQuantile],
  flags: 'uint32',
};
const temporality = enumOf(2);
const Metric = {
  name: 'string',
  description: 'string',
  unit: 'string',
  metadata: attributes,
  gauge: { dataPoints: ['array', NumberDataPoint] },
  sum: { dataPoints: ['array', NumberDataPoint], aggregationTemporality: temporality, isMonotonic: 'bool' },
  histogram: { dataPoints: ['array', HistogramDataPoint], aggregationTemporality: temporality },
  exponentialHistogram: { dataPoints: ['array', ExponentialHistogramDataPoint], aggregationTemporality: temporality },
  summary: { dataPoints: ['array', SummaryDataPoint] },
};

export const REQUESTS = {
  traces: {
    resourceSpans: [
      'array',
      {
        resource: Resource,
        scopeSpans: ['array', { scope: InstrumentationScope, spans: ['array', Span], schemaUrl: 'string' }],
        schemaUrl: 'string',
      },
    ],
  },
  logs: {
    resourceLogs: [
      'array',
      {
        resource: Resource,
        scopeLogs: ['array', { scope: InstrumentationScope, logRecords: ['array', LogRecord], schemaUrl: 'string' }],
        schemaUrl: 'string',
      },
    ],
  },
  metrics: {
    resourceMetrics: [
      'array',
      {
        resource: Resource,
        scopeMetrics: ['array', { scope: InstrumentationScope, metrics: ['array', Metric], schemaUrl: 'string' }],
        schemaUrl: 'string',
      },
    ],
  },
};

const ANY_VALUE_FIELDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
];

function check(schema, value, path, problems) {
  if (schema === 'AnyValue') return checkAnyValue(value, path, problems);
  if (typeof schema === 'function') {
    if (!schema(value)) problems.push(`${path}: invalid enum value ${JSON.stringify(value)}`);
    return;
  }
  if (typeof schema === 'string') {
    if (!scalar[schema](value))
      problems.push(`${path}: expected ${schema}, got ${JSON.stringify(value)?.slice(0, 60)}`);
    return;
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return problems.push(`${path}: expected an array`);
    for (const [i, element] of value.entries()) check(schema[1], element, `${path}[${i}]`, problems);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return problems.push(`${path}: expected an object`);
  for (const [key, member] of Object.entries(value)) {
    if (!(key in schema)) problems.push(`${path}.${key}: unknown field`);
    else if (member !== null) check(schema[key], member, `${path}.${key}`, problems);
  }
}

function checkAnyValue(value, path, problems) {
  if (value === null || typeof value !== 'object') return problems.push(`${path}: expected an AnyValue object`);
  const keys = Object.keys(value);
  if (keys.length > 1 || keys.some((k) => !ANY_VALUE_FIELDS.includes(k)))
    return problems.push(
      `${path}: AnyValue must hold exactly one of ${ANY_VALUE_FIELDS.join(', ')} (got ${keys.join(', ')})`,
    );
  const [key] = keys;
  const v = value[key];
  if (key === 'stringValue') check('string', v, `${path}.stringValue`, problems);
  if (key === 'boolValue') check('bool', v, `${path}.boolValue`, problems);
  if (key === 'intValue') check('int64', v, `${path}.intValue`, problems);
  if (key === 'doubleValue') check('double', v, `${path}.doubleValue`, problems);
  if (key === 'bytesValue') check('bytes', v, `${path}.bytesValue`, problems);
  if (key === 'arrayValue') check({ values: ['array', 'AnyValue'] }, v, `${path}.arrayValue`, problems);
  if (key === 'kvlistValue') check({ values: ['array', KeyValue] }, v, `${path}.kvlistValue`, problems);
}

/** Problems found in an export request of `kind` (`traces`, `logs`, `metrics`); empty when it is valid. */
export function validate(kind, body) {
  const problems = [];
  check(REQUESTS[kind], body, kind, problems);
  return problems;
}
