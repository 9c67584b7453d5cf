/**
 * A URL path as it may be exported: links that carry a token in the path (password resets, magic links,
 * unsubscribe links, matrix parameters) must not export it. Every segment that holds a compact JWS or JWE,
 * whole or as part of it (`prefix<T>suffix`, `orders;jwt=<T>`, percent-encoded or not), becomes `REDACTED`,
 * and the path is capped.
 */
import { holdsToken } from '../jwt/embedded-tokens';
import { MAX_STRING_LENGTH } from './claim-policy';

export const REDACTED_SEGMENT = 'REDACTED';
/** Longest path exported. */
export const MAX_PATH_LENGTH = 2 * MAX_STRING_LENGTH;

export function redactedPath(path: string): string {
  // Common case first: no dot (written or escaped), no token.
  const redacted =
    path.includes('.') || path.includes('%')
      ? path
          .split('/')
          .map((segment) => (holdsToken(segment) ? REDACTED_SEGMENT : segment))
          .join('/')
      : path;
  return redacted.slice(0, MAX_PATH_LENGTH);
}
