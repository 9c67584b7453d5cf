/**
 * The canonical text of a record as the emitter builds it on the hot path: the very string
 * `canonicalText(time, canonicalOf(body), entriesOf(attributes))` gives (canonical.ts, js-values.ts), written
 * directly instead of through intermediate tagged arrays and one JSON.stringify over them. A property test
 * holds the two to the same bytes; verifiers use the reference form.
 */
import { hash } from 'node:crypto';
import { CANONICAL_VERSION, compareCodePoints, doubleBits, wellFormed } from './canonical';

const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;
const PREFIX = `[${JSON.stringify(CANONICAL_VERSION)},`;

function valueText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `["s",${JSON.stringify(wellFormed(value))}]`;
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

/** Sorted `[key, value]` entries, as `sortEntries` orders them (code point order; stable for equal keys). */
function entriesText(object: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(object);
  // Plain keys: the default sort's code unit order is code point order, and keys of one object are unique.
  if (keys.every((key) => plainKeyJson(key) !== null)) {
    keys.sort();
    let text = '[';
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i]!;
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

/** The chain value after `previous` (hex) for a record's canonical text: `nextChain(previous, text)`, in one hash call. */
export function chainAfter(previous: string, text: string): string {
  return hash('sha256', Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(text, 'utf8')]), 'hex');
}
