/**
 * Reading the header and claims of a compact JWS or JWE without verifying anything, for telemetry only.
 *
 * Every input is attacker-controlled: segments above {@link MAX_SEGMENT_LENGTH} are not decoded, the
 * alphabet is checked before decoding, and anything that is not a JSON object yields `undefined`.
 * JSON.parse is iterative in V8, so nesting depth costs no stack, but time: a segment nested deeper than
 * {@link MAX_PARSED_DEPTH} levels is not parsed. Callers read only top-level members.
 */
import type { JsonObject } from '../events/audit-event';

/** Segments longer than this (in base64url characters, 48 KiB decoded) are not parsed. */
export const MAX_SEGMENT_LENGTH = 64 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Claims sets nested deeper than this are not parsed: V8 parses deep nesting slowly (about 60 ns a level). */
export const MAX_PARSED_DEPTH = 64;

/** Whether the text opens at most {@link MAX_PARSED_DEPTH} arrays and objects in all, found by `indexOf` alone. */
function fewBrackets(text: string): boolean {
  let opened = 0;
  for (const bracket of ['[', '{']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1))
      if (++opened > MAX_PARSED_DEPTH) return false;
  }
  return true;
}

/**
 * Whether JSON text nests arrays and objects deeper than {@link MAX_PARSED_DEPTH}, read once and stopped at
 * the first level too deep: cheaper by far than parsing a forged claims set nested thousands of levels deep.
 */
function tooDeep(text: string): boolean {
  if (text.length <= MAX_PARSED_DEPTH || fewBrackets(text)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_PARSED_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

function parseObject(bytes: Buffer): JsonObject | undefined {
  let parsed: unknown;
  try {
    const text = bytes.toString('utf8');
    if (tooDeep(text)) return undefined;
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
}

/**
 * Base64url characters read ahead of a long segment (768 bytes decoded) to find nesting too deep before the
 * whole segment is checked and decoded: a forged claims set nests from its first member.
 */
const LOOKAHEAD = 1024;

/** Decodes one base64url segment holding a JSON object (a JOSE header or a claims set). */
export function readSegment(segment: unknown): JsonObject | undefined {
  if (typeof segment !== 'string' || segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH) return undefined;
  let unchecked = segment;
  if (segment.length > LOOKAHEAD) {
    const ahead = segment.slice(0, LOOKAHEAD);
    if (!BASE64URL.test(ahead) || tooDeep(Buffer.from(ahead, 'base64url').toString('latin1'))) return undefined;
    unchecked = segment.slice(LOOKAHEAD);
  }
  return BASE64URL.test(unchecked) ? parseObject(Buffer.from(segment, 'base64url')) : undefined;
}

function segmentsOf(token: unknown): string[] | undefined {
  if (typeof token !== 'string') return undefined;
  // Five segments is a compact JWE, three a compact JWS; anything else is not a compact token.
  const segments = token.split('.', 6);
  return segments.length === 3 || segments.length === 5 ? segments : undefined;
}

/**
 * The protected header of a compact JWS or JWE. Read afresh each time (well under a microsecond for a usual
 * header): this module keeps no state.
 */
export function readHeader(token: unknown): JsonObject | undefined {
  return readSegment(segmentsOf(token)?.[0]);
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
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as JsonObject)
    : undefined;
}
