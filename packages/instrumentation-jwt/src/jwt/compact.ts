/**
 * Reading the header and claims of a compact JWS or JWE without verifying anything, for telemetry only.
 *
 * Every input is attacker-controlled: segments above {@link MAX_SEGMENT_LENGTH} are not decoded, the
 * alphabet is checked before decoding, and anything that is not a JSON object yields `undefined`.
 * JSON.parse is iterative in V8, so nesting depth costs no stack; callers read only top-level members.
 */
import { LRUCache } from 'lru-cache';
import type { JsonObject } from '../events/audit-event';

/** Segments longer than this (in base64url characters, 48 KiB decoded) are not parsed. */
export const MAX_SEGMENT_LENGTH = 64 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function parseObject(bytes: Buffer): JsonObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
}

/** Decodes one base64url segment holding a JSON object (a JOSE header or a claims set). */
export function readSegment(segment: unknown): JsonObject | undefined {
  if (typeof segment !== 'string' || segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH || !BASE64URL.test(segment)) return undefined;
  return parseObject(Buffer.from(segment, 'base64url'));
}

function segmentsOf(token: unknown): string[] | undefined {
  if (typeof token !== 'string') return undefined;
  // Five segments is a compact JWE, three a compact JWS; anything else is not a compact token.
  const segments = token.split('.', 6);
  return segments.length === 3 || segments.length === 5 ? segments : undefined;
}

/**
 * Headers recently read, by their encoded segment: a service sees few distinct headers (one per key and
 * algorithm), however many tokens. Only short headers of primitive members are kept, frozen, so a shared
 * entry cannot be changed by whoever reads it.
 */
const headers = new LRUCache<string, JsonObject>({ max: 256 });
const MAX_CACHED_HEADER_LENGTH = 512;

function isFlat(object: JsonObject): boolean {
  for (const value of Object.values(object)) if (value !== null && typeof value === 'object') return false;
  return true;
}

/** The protected header of a compact JWS or JWE. */
export function readHeader(token: unknown): JsonObject | undefined {
  const segment = segmentsOf(token)?.[0];
  if (segment === undefined || segment.length > MAX_CACHED_HEADER_LENGTH) return readSegment(segment);
  const cached = headers.get(segment);
  if (cached !== undefined) return cached;
  const header = readSegment(segment);
  if (header !== undefined && isFlat(header)) headers.set(segment, Object.freeze(header));
  return header;
}

/** The claims of a compact JWS (a JWE's claims are encrypted and cannot be read). */
export function readClaims(token: unknown): JsonObject | undefined {
  const segments = segmentsOf(token);
  return segments?.length === 3 ? readSegment(segments[1]) : undefined;
}

/** Parses bytes that may hold a JWT claims set (a JWS payload); anything else yields `undefined`. */
export function claimsFromBytes(payload: unknown): JsonObject | undefined {
  if (!(payload instanceof Uint8Array) || payload.byteLength > MAX_SEGMENT_LENGTH) return undefined;
  return parseObject(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
}

/** A decoded header or claims set handed over by a library: a plain object, not an array or bytes. */
export function asJsonObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) ? (value as JsonObject) : undefined;
}
