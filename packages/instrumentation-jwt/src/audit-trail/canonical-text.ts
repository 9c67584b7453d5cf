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

/** Bounds of the memos a writer keeps; see {@link RecordTextWriter}. */
const MAX_MEMO_STRINGS = 4096;
const MAX_MEMO_STRING_LENGTH = 256;
const MAX_MEMO_KEYS = 4096;
const MAX_SHAPES = 16;
/** Reused for every chain step up to this size: a hash input written in place, with no intermediate buffers. */
const SCRATCH_BYTES = 16 * 1024;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Writes records' canonical text and chain steps, remembering what records repeat. Each audit trail owns one:
 * - the text of short string values (a record repeats its token's issuer, fingerprints, pseudonyms and
 *   algorithm on every use, and V8 keeps a string's hash in the string, so a lookup is cheaper than escaping it
 *   again), cleared when full, long strings never kept;
 * - per attribute name, its JSON text, or null when it needs the slow path (not well formed, or holding code
 *   units whose UTF-16 order differs from code point order);
 * - the key lists of the last few record shapes and their sorted order: records come in a handful of shapes,
 *   and sorting their keys again costs more than recognizing one;
 * - one scratch buffer for the hash input.
 */
export class RecordTextWriter {
  private readonly strings = new Map<string, string>();
  private readonly keys = new Map<string, string | null>();
  private readonly shapes: { readonly keys: readonly string[]; readonly sorted: readonly string[] | null }[] = [];
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

  /** `["tokentrail.audit.v1", timeUnixNano, body, attributes]` for a record as handed to the Logs API. */
  recordText(timeUnixNano: string, body: unknown, attributes: Readonly<Record<string, unknown>>): string {
    return `${PREFIX}${JSON.stringify(timeUnixNano)},${this.valueText(body)},${this.entriesText(attributes)}]`;
  }

  /** The chain value after `previous` (hex) for a record's canonical text: `nextChain(previous, text)`, in one hash call. */
  chainAfter(previous: string, text: string): string {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (32 + text.length * 3 > SCRATCH_BYTES) return chainAfter(previous, text);
    const { scratch } = this;
    scratch.write(previous, 0, 32, 'hex');
    const written = scratch.write(text, 32, 'utf8');
    return hash('sha256', scratch.subarray(0, 32 + written), 'hex');
  }

  private stringText(value: string): string {
    const { strings } = this;
    let text = strings.get(value);
    if (text !== undefined) return text;
    text = `["s",${JSON.stringify(wellFormed(value))}]`;
    if (value.length <= MAX_MEMO_STRING_LENGTH) {
      if (strings.size >= MAX_MEMO_STRINGS) strings.clear();
      strings.set(value, text);
    }
    return text;
  }

  private valueText(value: unknown): string {
    switch (typeof value) {
      case 'string':
        return this.stringText(value);
      case 'number':
        if (Number.isSafeInteger(value)) return `["i","${value}"]`;
        return Number.isInteger(value) ? `["i","${BigInt(value).toString()}"]` : `["d","${doubleBits(value)}"]`;
      case 'boolean':
        return value ? '["b",true]' : '["b",false]';
      case 'object': {
        if (value === null) return 'null';
        if (value instanceof Uint8Array)
          return `["x","${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"]`;
        if (Array.isArray(value)) {
          let text = '["a",[';
          for (let i = 0; i < value.length; i += 1) text += (i > 0 ? ',' : '') + this.valueText(value[i]);
          return `${text}]]`;
        }
        return `["k",${this.entriesText(value as Readonly<Record<string, unknown>>)}]`;
      }
      default:
        return 'null';
    }
  }

  /** The JSON text of a plain key, or null when the key needs the slow path. */
  private plainKeyJson(key: string): string | null {
    const { keys } = this;
    let json = keys.get(key);
    if (json !== undefined) return json;
    json = ORDER_SENSITIVE.test(key) || wellFormed(key) !== key ? null : JSON.stringify(key);
    if (keys.size < MAX_MEMO_KEYS) keys.set(key, json);
    return json;
  }

  /** The keys in the default sort's order when every key is plain (that order is then code point order), else null. */
  private plainSortedKeys(keys: readonly string[]): readonly string[] | null {
    const { shapes } = this;
    for (const shape of shapes) if (sameKeys(shape.keys, keys)) return shape.sorted;
    // Keys of one object are unique, so the sort's stability does not matter.
    const sorted = keys.every((key) => this.plainKeyJson(key) !== null) ? [...keys].sort() : null;
    if (shapes.length >= MAX_SHAPES) shapes.shift();
    shapes.push({ keys, sorted });
    return sorted;
  }

  /** Sorted `[key, value]` entries, as `sortEntries` orders them (code point order; stable for equal keys). */
  private entriesText(object: Readonly<Record<string, unknown>>): string {
    const keys = Object.keys(object);
    const sorted = this.plainSortedKeys(keys);
    if (sorted) {
      let text = '[';
      for (let i = 0; i < sorted.length; i += 1) {
        const key = sorted[i]!;
        text += `${i > 0 ? ',[' : '['}${this.keys.get(key) ?? JSON.stringify(key)},${this.valueText(object[key])}]`;
      }
      return `${text}]`;
    }
    const entries = keys.map((key) => [wellFormed(key), key] as const);
    entries.sort((a, b) => compareCodePoints(a[0], b[0]));
    let text = '[';
    for (let i = 0; i < entries.length; i += 1) {
      const [key, original] = entries[i]!;
      text += `${i > 0 ? ',' : ''}[${JSON.stringify(key)},${this.valueText(object[original])}]`;
    }
    return `${text}]`;
  }
}

/** `["tokentrail.audit.v1", timeUnixNano, body, attributes]` for one record, without a writer's memos. */
export function recordText(timeUnixNano: string, body: unknown, attributes: Readonly<Record<string, unknown>>): string {
  return new RecordTextWriter().recordText(timeUnixNano, body, attributes);
}

/** The chain value after `previous` (hex) for a record's canonical text: `nextChain(previous, text)`. */
export function chainAfter(previous: string, text: string): string {
  return hash('sha256', Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(text, 'utf8')]), 'hex');
}
