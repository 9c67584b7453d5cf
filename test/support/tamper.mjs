/**
 * Tampering with an exported trail the way someone with write access to the log store could: each function
 * takes export requests (OTLP/JSON, as read from files), changes a copy, and says what a verifier must report.
 */
import { attribute, chainValue, streamsOf } from './audit-chain-reference.mjs';

/** A small seeded generator (mulberry32), so a failing case can be replayed from the printed seed. */
export function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

const STRUCTURAL = new Set(['jwt.audit.stream', 'jwt.audit.seq', 'jwt.audit.chain']);
const seqOf = (record) => attribute(record, 'jwt.audit.seq');

/** Records of the (single) stream in seq order, each with the array holding it, in a copy of the requests. */
function located(requests) {
  const copy = structuredClone(requests);
  const places = [];
  for (const request of copy)
    for (const rl of request.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? []) {
        for (const record of sl.logRecords ?? [])
          if (attribute(record, 'jwt.audit.stream') !== undefined) places.push({ record, list: sl.logRecords });
      }
  places.sort((a, b) => seqOf(a.record) - seqOf(b.record));
  return { copy, places };
}

function setAttribute(record, key, value) {
  const entry = record.attributes.find((kv) => kv.key === key);
  if (entry) entry.value = value;
  else record.attributes.push({ key, value });
}

function changed(value, rng) {
  if ('stringValue' in value) return { stringValue: value.stringValue + rng.pick(['x', ' ', '0', 'é']) };
  if ('intValue' in value)
    return { intValue: typeof value.intValue === 'string' ? String(BigInt(value.intValue) + 1n) : value.intValue + 1 };
  if ('boolValue' in value) return { boolValue: !value.boolValue };
  if ('doubleValue' in value) return { doubleValue: value.doubleValue + 0.5 };
  if ('arrayValue' in value)
    return { arrayValue: { values: [...(value.arrayValue.values ?? []), { stringValue: 'admin' }] } };
  return { stringValue: 'changed' };
}

const remove = ({ record, list }) => list.splice(list.indexOf(record), 1);

export const TAMPERS = {
  /** Change one attribute's value, add or remove one, or change the timestamp, of one record. */
  edit(requests, rng) {
    const { copy, places } = located(requests);
    const { record } = rng.pick(places);
    const editable = record.attributes.filter((kv) => !STRUCTURAL.has(kv.key));
    const how = rng.int(10);
    if (how === 0)
      record.timeUnixNano =
        typeof record.timeUnixNano === 'string'
          ? String(BigInt(record.timeUnixNano) + 1_000_000n)
          : record.timeUnixNano + 1_000_000;
    else if (how === 1)
      record.attributes.push({ key: 'jwt.validation.outcome.override', value: { stringValue: 'valid' } });
    else if (how === 2 && editable.length > 0)
      record.attributes.splice(record.attributes.indexOf(rng.pick(editable)), 1);
    else {
      const kv = rng.pick(editable);
      setAttribute(record, kv.key, changed(kv.value, rng));
    }
    return { requests: copy, expect: { kind: 'modified', seqs: [seqOf(record)] } };
  },
  /** Delete one record (not the last: that is truncation). */
  delete(requests, rng) {
    const { copy, places } = located(requests);
    const place = places[rng.int(places.length - 1)];
    remove(place);
    return { requests: copy, expect: { kind: 'deleted', seqs: [seqOf(place.record)] } };
  },
  /** Swap two records' places: exchange their seq (variant 0), or everything but seq and chain value (variant 1). */
  swap(requests, rng) {
    const { copy, places } = located(requests);
    const i = rng.int(places.length);
    let j = rng.int(places.length - 1);
    if (j >= i) j += 1;
    const [a, b] = [places[i].record, places[j].record];
    const [seqA, seqB] = [seqOf(a), seqOf(b)];
    if (rng.int(2) === 0) {
      const valueA = a.attributes.find((kv) => kv.key === 'jwt.audit.seq').value;
      setAttribute(a, 'jwt.audit.seq', b.attributes.find((kv) => kv.key === 'jwt.audit.seq').value);
      setAttribute(b, 'jwt.audit.seq', valueA);
    } else {
      const keep = (record) =>
        record.attributes.filter((kv) => kv.key === 'jwt.audit.seq' || kv.key === 'jwt.audit.chain');
      const content = (record) => ({
        ...record,
        attributes: record.attributes.filter((kv) => kv.key !== 'jwt.audit.seq' && kv.key !== 'jwt.audit.chain'),
      });
      const [contentA, contentB, keepA, keepB] = [content(a), content(b), keep(a), keep(b)];
      Object.assign(a, contentB, { attributes: [...contentB.attributes, ...keepA] });
      Object.assign(b, contentA, { attributes: [...contentA.attributes, ...keepB] });
    }
    return { requests: copy, expect: { kind: 'reordered', seqs: [seqA, seqB] } };
  },
  /** Repeat one record, in the same export request or another. */
  duplicate(requests, rng) {
    const { copy, places } = located(requests);
    const { record } = rng.pick(places);
    rng.pick(places).list.push(structuredClone(record));
    return { requests: copy, expect: { kind: 'duplicated', seqs: [seqOf(record)] } };
  },
  /** Remove the last 1–5 records. */
  truncate(requests, rng) {
    const { copy, places } = located(requests);
    const count = 1 + rng.int(5);
    for (const place of places.slice(-count)) remove(place);
    return { requests: copy, expect: { kind: 'truncated', seqs: [] } };
  },
  /**
   * Edit one record and recompute every chain value and checkpoint head after it, as someone without the
   * signing key can; in variant 1 the signatures are stripped as well.
   */
  rewrite(requests, rng) {
    const { copy, places } = located(requests);
    const start = rng.int(places.length - 1);
    const { record } = places[start];
    // Not the head of a checkpoint: recomputing the heads below would undo that edit.
    const kv = rng.pick(
      record.attributes.filter((entry) => !STRUCTURAL.has(entry.key) && entry.key !== 'jwt.audit.checkpoint.head'),
    );
    setAttribute(record, kv.key, changed(kv.value, rng));
    const strip = rng.int(2) === 1;
    let previous = start === 0 ? '0'.repeat(64) : attribute(places[start - 1].record, 'jwt.audit.chain');
    for (const { record: current } of places.slice(start)) {
      if (current.eventName === 'jwt.audit.checkpoint') {
        setAttribute(current, 'jwt.audit.checkpoint.head', { stringValue: previous });
        if (strip)
          current.attributes = current.attributes.filter(
            (entry) =>
              !entry.key.startsWith('jwt.audit.checkpoint.key_id') && entry.key !== 'jwt.audit.checkpoint.signature',
          );
      }
      previous = chainValue(previous, current);
      setAttribute(current, 'jwt.audit.chain', { stringValue: previous });
    }
    return { requests: copy, expect: { kind: strip ? 'signature_missing' : 'signature_invalid', seqs: [] } };
  },
};

/** The stream's records are all still there under one stream id (a sanity check on the generator itself). */
export const streamCount = (requests) => streamsOf(requests).size;
