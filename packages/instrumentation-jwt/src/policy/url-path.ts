/**
 * A URL path as it may be exported: links that carry a token in the path (password resets, magic links,
 * unsubscribe links) must not export it. Every segment that reads as a compact JWS or JWE (a JSON header
 * naming `alg`) becomes `REDACTED`, and the path is capped.
 */
import { readHeader } from '../jwt/compact';
import { MAX_STRING_LENGTH } from './claim-policy';

export const REDACTED_SEGMENT = 'REDACTED';
/** Longest path exported. */
export const MAX_PATH_LENGTH = 2 * MAX_STRING_LENGTH;

function isToken(segment: string): boolean {
  if (segment.indexOf('.') < 0) return false;
  let text = segment;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return false;
    }
  }
  return typeof readHeader(text)?.alg === 'string';
}

export function redactedPath(path: string): string {
  // Common case first: no dot, no token.
  const redacted = path.includes('.') ? path.split('/').map((segment) => (isToken(segment) ? REDACTED_SEGMENT : segment)).join('/') : path;
  return redacted.slice(0, MAX_PATH_LENGTH);
}
