/**
 * The canonical text of a record as the emitter builds it on the hot path: the form `canonicalText` in
 * canonical.ts specifies (docs/audit-trail.md), written directly instead of through intermediate tagged arrays
 * and one JSON.stringify over them. A property test (test/audit-record-text.test.mjs) holds it to the same
 * bytes as an independent implementation of the page; verifiers use the reference form.
 */
import { hash } from 'node:crypto';
import { CANONICAL_VERSION, compareCodePoints, doubleBits, wellFormed } from './canonical';

const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;
const PREFIX = `[${JSON.stringify(CANONICAL_VERSION)},`;

/**
 * The text of short string values, memoized: a record repeats its token's values (issuer, fingerprints,
 * pseudonyms, algorithm) on every use, and V8 keeps a string's hash in the string, so a lookup is cheaper than
 * escaping it again. Bounded: cleared when full, and long strings are never kept.
 */
const MAX_MEMO_STRINGS = 4096;
const MAX_MEMO_STRING_LENGTH = 256;
const stringMemo = new Map<string, string>();

function stringText(value: string): string {
  let text = stringMemo.get(value);
  if (text !== undefined) return text;
  text = `["s",${JSON.stringify(wellFormed(value))}]`;
  if (value.length <= MAX_MEMO_STRING_LENGTH) {
    if (stringMemo.size >= MAX_MEMO_STRINGS) stringMemo.clear();
    stringMemo.set(value, text);
  }
  return text;
}

function valueText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return stringText(value);
    case 'number':
      if (Number.isSafeInteger(value)) return `["i","${value}"]`;
      return Number.isInteger(value) ? `["i","${BigInt(value).toString()}"]` : `["d","${doubleBits(value)}"]`;
    case 'boolean':
      return value ? '["b",true]' : '["b",false]';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return `["x","${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"]`;
      if (Array.isArray(value)) {
        let text = '["a",[';
        for (let i = 0; i < value.length; i += 1) text += (i > 0 ? ',' : '') + valueText(value[i]);
        return `${text}]]`;
      }
      return `["k",${entriesText(value as Readonly<Record<string, unknown>>)}]`;
    }
    default:
      return 'null';
  }
}

/**
 * Per attribute name: its JSON text, and whether it needs the slow path (not well formed, or holding code
 * units whose UTF-16 order differs from code point order). Records reuse a small set of names; the memo stops
 * growing at {@link MAX_MEMO_KEYS}.
 */
const MAX_MEMO_KEYS = 4096;
const keyMemo = new Map<string, string | null>();

/** The JSON text of a plain key, or null when the key needs the slow path. */
function plainKeyJson(key: string): string | null {
  let json = keyMemo.get(key);
  if (json !== undefined) return json;
  json = ORDER_SENSITIVE.test(key) || wellFormed(key) !== key ? null : JSON.stringify(key);
  if (keyMemo.size < MAX_MEMO_KEYS) keyMemo.set(key, json);
  return json;
}

/**
 * The key lists of the last few record shapes and their sorted order (null when a key needs the slow path):
 * records come in a handful of shapes, and sorting their keys again costs more than recognizing one.
 */
const MAX_SHAPES = 16;
const shapes: { readonly keys: readonly string[]; readonly sorted: readonly string[] | null }[] = [];

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** The keys in the default sort's order when every key is plain (that order is then code point order), else null. */
function plainSortedKeys(keys: readonly string[]): readonly string[] | null {
  for (const shape of shapes) if (sameKeys(shape.keys, keys)) return shape.sorted;
  // Keys of one object are unique, so the sort's stability does not matter.
  const sorted = keys.every((key) => plainKeyJson(key) !== null) ? [...keys].sort() : null;
  if (shapes.length >= MAX_SHAPES) shapes.shift();
  shapes.push({ keys, sorted });
  return sorted;
}

/** Sorted `[key, value]` entries, as `sortEntries` orders them (code point order; stable for equal keys). */
function entriesText(object: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(object);
  const sorted = plainSortedKeys(keys);
  if (sorted) {
    let text = '[';
    for (let i = 0; i < sorted.length; i += 1) {
      const key = sorted[i]!;
      text += `${i > 0 ? ',[' : '['}${keyMemo.get(key) ?? JSON.stringify(key)},${valueText(object[key])}]`;
    }
    return `${text}]`;
  }
  const entries = keys.map((key) => [wellFormed(key), key] as const);
  entries.sort((a, b) => compareCodePoints(a[0], b[0]));
  let text = '[';
  for (let i = 0; i < entries.length; i += 1) {
    const [key, original] = entries[i]!;
    text += `${i > 0 ? ',' : ''}[${JSON.stringify(key)},${valueText(object[original])}]`;
  }
  return `${text}]`;
}

/** `["tokentrail.audit.v1", timeUnixNano, body, attributes]` for a record as handed to the Logs API. */
export function recordText(timeUnixNano: string, body: unknown, attributes: Readonly<Record<string, unknown>>): string {
  return `${PREFIX}${JSON.stringify(timeUnixNano)},${valueText(body)},${entriesText(attributes)}]`;
}

/** Reused for every chain step up to this size: a hash input written in place, with no intermediate buffers. */
const SCRATCH_BYTES = 16 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/** The chain value after `previous` (hex) for a record's canonical text: `nextChain(previous, text)`, in one hash call. */
export function chainAfter(previous: string, text: string): string {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  if (32 + text.length * 3 > SCRATCH_BYTES) return hash('sha256', Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(text, 'utf8')]), 'hex');
  scratch.write(previous, 0, 32, 'hex');
  const written = scratch.write(text, 32, 'utf8');
  return hash('sha256', scratch.subarray(0, 32 + written), 'hex');
}
