/**
 * Text read from a trail, as the report may show it. The instrumentation exports no token, but a trail is
 * input: a forged or foreign record may hold anything. Every string the report takes from a record is cut to
 * 200 characters, and a run that reads as a JWT (base64url starting `ey`) or a long base64 or hex run (a
 * signature, a key) is written REDACTED; pseudonyms and fingerprints (32 hex digits) are shorter than that.
 */
const TOKEN_LIKE = /ey[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)*/g;
const LONG_RUN = /[A-Za-z0-9+_-]{40,}={0,2}/g;
const MAX_LENGTH = 200;

export function safeText(value: string): string {
  const cut = value.length > MAX_LENGTH ? `${value.slice(0, MAX_LENGTH)}…` : value;
  return cut.replace(TOKEN_LIKE, 'REDACTED').replace(LONG_RUN, 'REDACTED');
}
