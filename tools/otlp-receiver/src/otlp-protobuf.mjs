/**
 * Decoding OTLP/protobuf export requests against the official schema (../proto), into the OTLP/JSON
 * mapping (ids as hex, 64-bit integers as decimal strings, enums as integers), so both protocols are then
 * validated and read the same way.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'proto');
const SERVICES = {
  traces: [
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  ],
  logs: [
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  ],
  metrics: [
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  ],
};

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoRoot, target);
root.loadSync(
  Object.values(SERVICES).map(([file]) => file),
  { keepCase: false },
);
const types = Object.fromEntries(Object.entries(SERVICES).map(([kind, [, name]]) => [kind, root.lookupType(name)]));

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Raw bytes → hex for ids and base64 for bytesValue, as the JSON mapping has them. */
function toJsonMapping(value, key) {
  if (value instanceof Uint8Array)
    return ID_FIELDS.has(key) ? Buffer.from(value).toString('hex') : Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((element) => toJsonMapping(element, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonMapping(v, k)]));
  }
  return value;
}

/** Decodes a protobuf export request; throws when the bytes do not match the schema. */
export function decode(kind, bytes) {
  const type = types[kind];
  const message = type.decode(bytes);
  const object = type.toObject(message, {
    longs: String,
    enums: Number,
    defaults: false,
    arrays: false,
    oneofs: false,
  });
  return toJsonMapping(object);
}

/** The empty Export*ServiceResponse, encoded. */
export function emptyResponse() {
  return new Uint8Array(0);
}
