/**
 * Whether a candidate string is a compact JWT (JWS, three segments) or JWE (five): every segment canonical
 * base64url, a header that is a JSON object naming `alg` (and `enc` for a JWE), a JWS payload that is a JSON
 * object, and a signature unless `alg` is `none`. A bare pattern match is only the candidate.
 */
export interface TokenShape {
  readonly kind: 'jws' | 'jwe';
  readonly header: Record<string, unknown>;
  /** A JWS's claims; a JWE's are encrypted. */
  readonly claims: Record<string, unknown> | undefined;
  /** The number of characters of the candidate that form the token. */
  readonly length: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Canonical unpadded base64url: a possible length, and no bits set past the last whole byte. */
export function canonicalBase64url(segment: string): boolean {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return false;
  const rest = segment.length % 4;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  if (segment.length === 0 || !canonicalBase64url(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asJws(segments: string[]): TokenShape | undefined {
  const [h, p, s] = segments as [string, string, string];
  const header = jsonObject(h);
  if (!header || typeof header.alg !== 'string' || header.alg === '') return undefined;
  const claims = jsonObject(p);
  if (!claims || !canonicalBase64url(s)) return undefined;
  if (s === '' && header.alg.toLowerCase() !== 'none') return undefined;
  return { kind: 'jws', header, claims, length: h.length + p.length + s.length + 2 };
}

function asJwe(segments: string[]): TokenShape | undefined {
  const header = jsonObject(segments[0]!);
  if (!header || typeof header.alg !== 'string' || typeof header.enc !== 'string') return undefined;
  // Encrypted key (empty for `dir`), IV, ciphertext, tag: all base64url; IV, ciphertext and tag not empty.
  if (!segments.slice(1).every(canonicalBase64url) || segments.slice(2).some((segment) => segment === ''))
    return undefined;
  return { kind: 'jwe', header, claims: undefined, length: segments.reduce((sum, segment) => sum + segment.length, 4) };
}

/** The token a candidate (base64url runs joined by dots) holds at its start, if any. */
export function tokenShape(candidate: string): TokenShape | undefined {
  const segments = candidate.split('.');
  if (segments.length >= 5) {
    const jwe = asJwe(segments.slice(0, 5));
    if (jwe) return jwe;
  }
  return segments.length >= 3 ? asJws(segments.slice(0, 3)) : undefined;
}
