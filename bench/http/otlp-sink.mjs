/**
 * An OTLP/HTTP endpoint for the HTTP benchmark's exporting configurations: reads each request and answers 200
 * at once, keeping nothing but counts. It counts the bytes received and, in OTLP/protobuf log exports, the
 * distinct `jwt.request` records (by their `jwt.audit.chain` value, so a batch sent again after a timeout is
 * not counted twice), which `GET /count` returns as JSON: the benchmark checks that every audited request's
 * record arrived (a body it cannot read is counted as `unreadable`). Prints its port.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** The fields of one protobuf message: [field number, wire type, value (a Buffer for length-delimited)]. */
function* fields(buffer) {
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const tag = varint();
    const type = tag & 7;
    if (type === 0) yield [tag >>> 3, type, varint()];
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else if (type === 2) {
      const length = varint();
      if (at + length > buffer.length) throw new Error('truncated field');
      yield [tag >>> 3, type, buffer.subarray(at, at + length)];
      at += length;
    } else throw new Error(`unexpected wire type ${type}`);
  }
}
const child = (message, number) => [...fields(message)].filter(([n, t]) => n === number && t === 2).map(([, , v]) => v);

const requestChains = new Set();
/** ExportLogsServiceRequest → ResourceLogs (1) → ScopeLogs (2) → LogRecord (2): event_name (12), attributes (6). */
function countRequestRecords(body) {
  for (const resourceLogs of child(body, 1))
    for (const scopeLogs of child(resourceLogs, 2))
      for (const record of child(scopeLogs, 2)) {
        const [eventName] = child(record, 12);
        if (eventName?.toString() !== 'jwt.request') continue;
        for (const keyValue of child(record, 6)) {
          if (child(keyValue, 1)[0]?.toString() !== 'jwt.audit.chain') continue;
          const [value] = child(keyValue, 2);
          const chain = value && child(value, 1)[0];
          if (chain) requestChains.add(chain.toString());
        }
      }
}

let bytes = 0;
let unreadable = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ bytes, requestRecords: requestChains.size, unreadable }));
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => {
    bytes += chunk.length;
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (req.url === '/v1/logs') {
      try {
        const body = Buffer.concat(chunks);
        countRequestRecords(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      } catch {
        unreadable += 1;
      }
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
