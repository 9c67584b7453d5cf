/**
 * The canonical text the emitter writes on the hot path (`recordText`, `chainAfter`) is byte for byte what the
 * independent implementation of docs/audit-trail.md computes from the same record as OTLP/JSON carries it,
 * for generated attribute sets: keys and strings with lone surrogates and characters above U+FFFF, safe and
 * unsafe integers, doubles, booleans, arrays, nested objects, bytes, and empty values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { chainAfter, GENESIS, recordText, RecordTextWriter } from '@tokentrail/instrumentation-jwt/audit-trail';
import { canonicalForm, chainValue } from './support/audit-chain-reference.mjs';

/** A JavaScript value as the OpenTelemetry JS OTLP/JSON encoder writes it (an AnyValue). */
function anyValue(value) {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: BigInt(value).toString() } : { doubleValue: value };
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => anyValue(v) ?? {}) } };
  return { kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) } };
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\uD800', 'a\uDC00b', '😀', '\uFFFD', 'é'),
);
const key = fc.oneof(
  fc.constantFrom('jwt.operation', 'jwt.claims.aud', 'enduser.pseudo.id', '😀key', '\uE000', 'z'),
  text,
);
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(2 ** 60, -(2 ** 60), 0.1, -1.5e300, 1e-300),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.uint8Array({ maxLength: 8 }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const attributes = fc.dictionary(key, value, { maxKeys: 12 });

test('recordText and chainAfter agree with the independent implementation of docs/audit-trail.md', () => {
  fc.assert(
    fc.property(attributes, fc.option(value), fc.integer({ min: 1, max: 2 ** 42 }), (attrs, body, millis) => {
      const time = `${millis}000000`;
      const otlp = {
        timeUnixNano: time,
        body: anyValue(body ?? undefined),
        attributes: Object.entries(attrs).map(([k, v]) => ({ key: k, value: anyValue(v) })),
      };
      assert.equal(
        Buffer.from(recordText(time, body ?? undefined, attrs), 'utf8').toString('hex'),
        canonicalForm(otlp).toString('hex'),
      );
      assert.equal(chainAfter(GENESIS, recordText(time, body ?? undefined, attrs)), chainValue(GENESIS, otlp));
    }),
    { numRuns: 2000 },
  );
});

// The emitter remembers recent record shapes (their key lists and sorted order) and the text of short string
// values; records that repeat a shape in another key order, repeat or change values, carry long values, or
// outgrow the hash's scratch buffer must still give the reference bytes.
const keyPool = [
  'jwt.operation',
  'jwt.claims.aud',
  'enduser.pseudo.id',
  '😀key',
  '\uE000',
  'z',
  'a\uD800',
  'jwt.audit.seq',
];
const valuePool = [
  'HS256',
  'https://idp.example',
  'x'.repeat(300),
  'a\uDC00b',
  '😀',
  'y'.repeat(20000),
  7,
  ['reader', '\uD800'],
];
const pooledRecord = fc.tuple(
  fc.shuffledSubarray(keyPool, { minLength: 1 }),
  fc.array(fc.oneof(fc.constantFrom(...valuePool), text), { minLength: keyPool.length, maxLength: keyPool.length }),
);

test("a RecordTextWriter's memoized text and chain steps agree with the reference over runs of records that repeat shapes and values", () => {
  fc.assert(
    fc.property(fc.array(pooledRecord, { minLength: 1, maxLength: 40 }), (records) => {
      const writer = new RecordTextWriter();
      let emitted = GENESIS;
      let reference = GENESIS;
      for (const [keys, values] of records) {
        const attrs = Object.fromEntries(keys.map((k, i) => [k, values[i]]));
        const otlp = {
          timeUnixNano: '1000000',
          attributes: Object.entries(attrs).map(([k, v]) => ({ key: k, value: anyValue(v) })),
        };
        emitted = writer.chainAfter(emitted, writer.recordText('1000000', undefined, attrs));
        reference = chainValue(reference, otlp);
        assert.equal(emitted, reference);
      }
    }),
    { numRuns: 300 },
  );
});
