/**
 * A strict OTLP/HTTP receiver on loopback. It accepts what a Collector's OTLP receiver accepts on
 * /v1/traces, /v1/logs and /v1/metrics (application/json or application/x-protobuf, optionally gzip),
 * rejects anything malformed with 400 and remembers why, and keeps every span, log record and metric point
 * it received in a flat, easy-to-assert form.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { validate } from './otlp-json-schema.mjs';
import { decode } from './otlp-protobuf.mjs';

const PATHS = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

/** An OTLP AnyValue as a plain JavaScript value. */
export function anyValue(value) {
  if (value === undefined || value === null) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in value) return attributesOf(value.kvlistValue.values);
  return undefined;
}

export function attributesOf(list = []) {
  return Object.fromEntries(list.map(({ key, value }) => [key, anyValue(value)]));
}

function flatten(kind, body, sink) {
  if (kind === 'traces') {
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? []) {
          sink.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes),
            status: span.status ?? {},
            events: span.events ?? [],
            startTimeUnixNano: span.startTimeUnixNano,
            endTimeUnixNano: span.endTimeUnixNano,
            resource: attributesOf(rs.resource?.attributes),
            scope: ss.scope ?? {},
          });
        }
  } else if (kind === 'logs') {
    for (const rl of body.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? []) {
          sink.logRecords.push({
            eventName: record.eventName,
            severityNumber: record.severityNumber ?? 0,
            severityText: record.severityText,
            traceId: record.traceId || undefined,
            spanId: record.spanId || undefined,
            body: anyValue(record.body),
            attributes: attributesOf(record.attributes),
            timeUnixNano: record.timeUnixNano,
            resource: attributesOf(rl.resource?.attributes),
            scope: sl.scope ?? {},
          });
        }
  } else {
    for (const rm of body.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const metric of sm.metrics ?? []) {
          const [type, data] =
            Object.entries(metric).find(([key]) =>
              ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].includes(key),
            ) ?? [];
          for (const point of data?.dataPoints ?? []) {
            sink.metricPoints.push({
              name: metric.name,
              unit: metric.unit,
              type,
              attributes: attributesOf(point.attributes),
              count: point.count === undefined ? undefined : Number(point.count),
              sum: point.sum,
              value: point.asDouble ?? (point.asInt === undefined ? undefined : Number(point.asInt)),
              resource: attributesOf(rm.resource?.attributes),
              scope: sm.scope ?? {},
            });
          }
        }
  }
}

/**
 * Starts the receiver. `behaviour` may be changed at any time to simulate a failing collector:
 * `{ status: 503 }` answers every export with that status; `{ delayMs: 10000 }` answers late;
 * `{ destroy: true }` closes the connection without answering; `{ answerDelayMs: 1500 }` keeps the payload at
 * once but answers late (an acknowledgement the sender may no longer wait for). With `keepPayloads: false` the accepted
 * payloads themselves are not kept (only their kind and protocol), for long load runs.
 */
export async function startReceiver({ host = '127.0.0.1', port = 0, keepPayloads = true } = {}) {
  const state = {
    spans: [],
    logRecords: [],
    metricPoints: [],
    /** Every accepted request: kind, protocol, and (unless `keepPayloads` is false) the payload in the JSON mapping, for leak scans. */
    accepted: [],
    /** Every rejected request and its problems. */
    rejected: [],
    behaviour: {},
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const kind = PATHS[req.url];
      const reply = (status, body = '', type = 'application/json') => {
        if (!res.headersSent) res.writeHead(status, { 'content-type': type }).end(body);
      };
      if (req.method !== 'POST' || !kind) return reply(404, '{}');
      if (state.behaviour.destroy) return req.socket.destroy();
      if (state.behaviour.delayMs) await new Promise((r) => setTimeout(r, state.behaviour.delayMs));
      if (state.behaviour.status) return reply(state.behaviour.status, '{}');
      let bytes = Buffer.concat(chunks);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
      let body;
      let problems;
      try {
        if (req.headers['content-encoding'] === 'gzip') bytes = gunzipSync(bytes);
        if (contentType === 'application/json') body = JSON.parse(bytes.toString('utf8'));
        else if (contentType === 'application/x-protobuf') body = decode(kind, bytes);
        else problems = [`unsupported content-type "${contentType}"`];
        problems ??= validate(kind, body);
      } catch (error) {
        problems = [`undecodable ${contentType} body: ${error.message}`];
      }
      if (problems.length > 0) {
        state.rejected.push({ kind, contentType, problems });
        return reply(400, JSON.stringify({ code: 3, message: problems.slice(0, 5).join('; ') }));
      }
      state.accepted.push(keepPayloads ? { kind, contentType, body } : { kind, contentType });
      flatten(kind, body, state);
      if (state.behaviour.answerDelayMs) await new Promise((r) => setTimeout(r, state.behaviour.answerDelayMs));
      if (contentType === 'application/x-protobuf') reply(200, Buffer.alloc(0), 'application/x-protobuf');
      else reply(200, '{}');
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return Object.assign(state, {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    /** Resolves once `predicate(state)` holds; rejects after `timeoutMs`. */
    async waitFor(predicate, { timeoutMs = 10_000, intervalMs = 20 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(state)) {
        if (Date.now() > deadline) throw new Error('timed out waiting for telemetry at the OTLP receiver');
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  });
}
