/**
 * The canonical form of an audit log record and the hash chain over it (docs/audit-trail.md is the
 * specification; this file and a verifier written from that page must agree byte for byte).
 *
 * A record is reduced to its timestamp, body and attributes (all but `jwt.audit.chain`), each value tagged
 * with its OTLP type, serialized as compact JSON whose numbers all travel as strings. Pure: no OpenTelemetry,
 * no library, so the emitter and any verifier share it.
 */
import { createHash } from 'node:crypto';

/** A value in canonical form: `[tag, content]`, or null for an empty value. */
export type CanonicalValue =
  | readonly ['s', string]
  | readonly ['i', string]
  | readonly ['d', string]
  | readonly ['b', boolean]
  | readonly ['x', string]
  | readonly ['a', readonly CanonicalValue[]]
  | readonly ['k', readonly CanonicalEntry[]]
  | null;
export type CanonicalEntry = readonly [string, CanonicalValue];

export const CANONICAL_VERSION = 'tokentrail.audit.v1';
export const CHECKPOINT_VERSION = 'tokentrail.audit.checkpoint.v1';
/** The `previous` value of a stream's first record: 32 zero bytes. */
export const GENESIS = '0'.repeat(64);

/** A string with every lone surrogate replaced by U+FFFD, as any UTF-8 encoder on the way will have done. */
export function wellFormed(value: string): string {
  const text = value as string & { isWellFormed(): boolean; toWellFormed(): string };
  return text.isWellFormed() ? value : text.toWellFormed();
}

/** Orders strings by Unicode code point (the order of their UTF-8 bytes), not by UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (D800–DFFF) starts a code point above FFFF, so it sorts after E000–FFFF.
    const rank = (c: number) => (c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c);
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** IEEE 754 binary64 bits of a double, 16 lowercase hex digits (big-endian). */
export function doubleBits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

/** Code units whose UTF-16 order differs from code point order (surrogates, and E000–FFFF which sort below them). */
const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;
const byCodeUnit = (a: CanonicalEntry, b: CanonicalEntry) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const byCodePoint = (a: CanonicalEntry, b: CanonicalEntry) => compareCodePoints(a[0], b[0]);

/** Entries sorted by key in code point order (a stable sort keeps the given order of equal keys). */
export function sortEntries(entries: CanonicalEntry[]): CanonicalEntry[] {
  // Below U+D800 code unit order is code point order, and the built-in comparison is much faster.
  return entries.sort(entries.some(([key]) => ORDER_SENSITIVE.test(key)) ? byCodePoint : byCodeUnit);
}

/** The JSON text `["tokentrail.audit.v1", timeUnixNano, body, attributes]`; `attributes` must be sorted ({@link sortEntries}). */
export function canonicalText(
  timeUnixNano: string,
  body: CanonicalValue,
  attributes: readonly CanonicalEntry[],
): string {
  return JSON.stringify([CANONICAL_VERSION, timeUnixNano, body, attributes]);
}

/** The canonical form: UTF-8 bytes of {@link canonicalText}. */
export function canonicalRecord(
  timeUnixNano: string,
  body: CanonicalValue,
  attributes: readonly CanonicalEntry[],
): Buffer {
  return Buffer.from(canonicalText(timeUnixNano, body, attributes), 'utf8');
}

/** chain = lowercase hex SHA-256(previous chain as 32 bytes ‖ canonical record); a string is hashed as UTF-8. */
export function nextChain(previous: string, canonical: Uint8Array | string): string {
  return createHash('sha256').update(Buffer.from(previous, 'hex')).update(canonical).digest('hex');
}

/** `jwt.audit.checkpoint.reason`: every N records, or the closing checkpoint that seals the trail. */
export const CHECKPOINT_REASONS = ['interval', 'shutdown'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

/** What a checkpoint signature signs: UTF-8 of `["tokentrail.audit.checkpoint.v1", stream, count, head, reason]`. */
export function checkpointStatement(stream: string, count: number | string, head: string, reason: string): Buffer {
  return Buffer.from(JSON.stringify([CHECKPOINT_VERSION, stream, String(count), head, reason]), 'utf8');
}
