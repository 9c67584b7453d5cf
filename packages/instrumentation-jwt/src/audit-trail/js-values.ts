/**
 * The canonical form of values as the application hands them to the Logs API, mapped the way the
 * OpenTelemetry JS OTLP encoders map them: an integral number is an `intValue`, any other number a
 * `doubleValue`, bytes a `bytesValue`, an array an `arrayValue`, an object a `kvlistValue`, and null or
 * undefined an empty value.
 */
import { doubleBits, sortEntries, wellFormed, type CanonicalEntry, type CanonicalValue } from './canonical';

export function canonicalOf(value: unknown): CanonicalValue {
  switch (typeof value) {
    case 'string':
      return ['s', wellFormed(value)];
    case 'number':
      if (Number.isSafeInteger(value)) return ['i', String(value)];
      return Number.isInteger(value) ? ['i', BigInt(value).toString()] : ['d', doubleBits(value)];
    case 'boolean':
      return ['b', value];
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) return ['x', Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')];
      if (Array.isArray(value)) return ['a', value.map(canonicalOf)];
      return ['k', entriesOf(value as Record<string, unknown>)];
    default:
      return null;
  }
}

export function entriesOf(object: Readonly<Record<string, unknown>>): CanonicalEntry[] {
  return sortEntries(Object.keys(object).map((key): CanonicalEntry => [wellFormed(key), canonicalOf(object[key])]));
}
