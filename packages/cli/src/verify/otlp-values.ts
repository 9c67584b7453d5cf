/** OTLP/JSON `AnyValue` → the canonical value of docs/audit-trail.md (the verifier's side of the canonical form). */
import {
  doubleBits,
  sortEntries,
  wellFormed,
  type CanonicalEntry,
  type CanonicalValue,
} from '@tokentrail/instrumentation-jwt/audit-trail';

type Json = Record<string, unknown>;

/** Input that is JSON but not OTLP/JSON. The message names what is wrong, never the value found there. */
export class MalformedOtlp extends Error {}

const SPECIAL_DOUBLES: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
};

function integer(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value).toString();
  throw new MalformedOtlp(`an intValue is not an integer (${typeof value})`);
}

function double(value: unknown): string {
  if (typeof value === 'number') return doubleBits(value);
  if (typeof value === 'string' && (value in SPECIAL_DOUBLES || /^-?\d/.test(value)))
    return doubleBits(SPECIAL_DOUBLES[value] ?? Number(value));
  throw new MalformedOtlp(`a doubleValue is not a number (${typeof value})`);
}

/** Throws {@link MalformedOtlp} on a value that is not valid OTLP/JSON. */
export function canonicalOfAnyValue(value: unknown): CanonicalValue {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') throw new MalformedOtlp('an AnyValue must be an object');
  const v = value as Json;
  if ('stringValue' in v) return ['s', wellFormed(String(v.stringValue ?? ''))];
  if ('intValue' in v) return ['i', integer(v.intValue)];
  if ('doubleValue' in v) return ['d', double(v.doubleValue)];
  if ('boolValue' in v) return ['b', v.boolValue === true];
  if ('bytesValue' in v) return ['x', Buffer.from(String(v.bytesValue ?? ''), 'base64').toString('base64')];
  if ('arrayValue' in v)
    return ['a', (((v.arrayValue as Json | null)?.values as unknown[]) ?? []).map(canonicalOfAnyValue)];
  if ('kvlistValue' in v) return ['k', entriesOfKeyValues(((v.kvlistValue as Json | null)?.values as unknown[]) ?? [])];
  return null;
}

/** An OTLP `KeyValue` list → sorted canonical entries. */
export function entriesOfKeyValues(list: unknown): CanonicalEntry[] {
  if (!Array.isArray(list)) throw new MalformedOtlp('attributes must be an array of KeyValue');
  return sortEntries(
    list.map((kv: Json): CanonicalEntry => [wellFormed(String(kv?.key ?? '')), canonicalOfAnyValue(kv?.value)]),
  );
}
