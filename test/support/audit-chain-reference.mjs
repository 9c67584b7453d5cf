/**
 * An independent implementation of docs/audit-trail.md, written from the page and sharing no code with the
 * package: if the page and the code drift apart, the tests that recompute chains with this file fail.
 */
import { createHash, verify } from 'node:crypto';

const codePointOrder = (a, b) => Buffer.compare(Buffer.from(a[0], 'utf8'), Buffer.from(b[0], 'utf8'));
const fix = (s) => s.toWellFormed();

function bits(number) {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleBE(number);
  return buffer.toString('hex');
}

/** OTLP/JSON AnyValue → canonical value. */
export function canonicalValue(v) {
  if (v === undefined || v === null) return null;
  if ('stringValue' in v) return ['s', fix(v.stringValue)];
  if ('intValue' in v) return ['i', BigInt(v.intValue).toString()];
  if ('doubleValue' in v) return ['d', bits(typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue)];
  if ('boolValue' in v) return ['b', v.boolValue];
  if ('bytesValue' in v) return ['x', Buffer.from(v.bytesValue, 'base64').toString('base64')];
  if ('arrayValue' in v) return ['a', (v.arrayValue.values ?? []).map(canonicalValue)];
  if ('kvlistValue' in v)
    return [
      'k',
      (v.kvlistValue.values ?? []).map((kv) => [fix(kv.key), canonicalValue(kv.value)]).sort(codePointOrder),
    ];
  return null;
}

/** UTF-8 canonical form of an OTLP/JSON log record. */
export function canonicalForm(logRecord) {
  const attributes = (logRecord.attributes ?? [])
    .filter((kv) => kv.key !== 'jwt.audit.chain')
    .map((kv) => [fix(kv.key), canonicalValue(kv.value)])
    .sort(codePointOrder);
  const time = BigInt(logRecord.timeUnixNano ?? 0).toString();
  return Buffer.from(JSON.stringify(['tokentrail.audit.v1', time, canonicalValue(logRecord.body), attributes]), 'utf8');
}

export const attribute = (logRecord, key) => {
  const value = logRecord.attributes?.find((kv) => kv.key === key)?.value;
  return value && (value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue));
};

export function chainValue(previousHex, logRecord) {
  return createHash('sha256').update(Buffer.from(previousHex, 'hex')).update(canonicalForm(logRecord)).digest('hex');
}

/** Every audit log record of a list of export requests, grouped by stream and sorted by seq. */
export function streamsOf(requests) {
  const streams = new Map();
  for (const request of requests) {
    for (const rl of request.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? []) {
          const stream = attribute(record, 'jwt.audit.stream');
          if (stream === undefined) continue;
          if (!streams.has(stream)) streams.set(stream, []);
          streams.get(stream).push(record);
        }
  }
  for (const records of streams.values())
    records.sort((a, b) => attribute(a, 'jwt.audit.seq') - attribute(b, 'jwt.audit.seq'));
  return streams;
}

/** Recomputes every chain value of a complete stream; returns the seqs whose chain value differs. */
export function recomputeStream(records) {
  let previous = '0'.repeat(64);
  const wrong = [];
  for (const record of records) {
    const expected = chainValue(previous, record);
    if (expected !== attribute(record, 'jwt.audit.chain')) wrong.push(attribute(record, 'jwt.audit.seq'));
    previous = attribute(record, 'jwt.audit.chain');
  }
  return wrong;
}

/** Ed25519 check of a checkpoint record's signature over the checkpoint statement. */
export function checkpointSignatureValid(stream, record, publicKey) {
  const statement = JSON.stringify([
    'tokentrail.audit.checkpoint.v1',
    stream,
    String(attribute(record, 'jwt.audit.checkpoint.count')),
    attribute(record, 'jwt.audit.checkpoint.head'),
    attribute(record, 'jwt.audit.checkpoint.reason'),
  ]);
  return verify(
    null,
    Buffer.from(statement, 'utf8'),
    publicKey,
    Buffer.from(attribute(record, 'jwt.audit.checkpoint.signature'), 'base64url'),
  );
}
