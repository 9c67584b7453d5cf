/**
 * What tokentrail writes to its own diagnostics (`diag`): error messages and stacks, from internal errors, the
 * libraries it records, and user hooks. Such text can quote its input (`Unexpected token 'e', "eyJhbGciOi"...
 * is not valid JSON`), so before it is logged it is redacted by value and by shape, each match becoming
 * `REDACTED`:
 * - by value: every secret the caller holds at that moment (the request's credentials, the operation's token,
 *   key and unexported claims: see pipeline/held-secrets.ts);
 * - by shape: every JWT-like run (base64url starting `ey`, as a JSON header or payload does; or dot-separated
 *   base64url segments whose first decodes to a JSON object after white space, which jsonwebtoken accepts),
 *   and every long base64 or hex run (signatures, keys, secrets; not file paths).
 */
import { REDACTED, replaceAll } from './request-secrets';
const TOKEN_LIKE = /ey[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)*/g;
/** A compact JWS or JWE of any header: two or more dots between base64url runs. */
const COMPACT = /[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){2,}/g;
/** The base64url of white space, then `{`: what a JSON header that does not start with `{` encodes to. */
const SPACED_JSON = /^\s+\{/;
const LONG_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;

/** A long run with slashes is a file path unless it mixes case and digits as base64 does. */
function isSecretRun(run: string): boolean {
  if (!run.includes('/')) return true;
  const upper = run.match(/[A-Z]/g)?.length ?? 0;
  const digits = run.match(/[0-9]/g)?.length ?? 0;
  return upper >= 3 && digits >= 2;
}

/** A compact token whose header segment decodes to white space and a JSON object. */
function isSpacedToken(run: string): boolean {
  const header = run.slice(0, run.indexOf('.'));
  return SPACED_JSON.test(Buffer.from(header.slice(0, 16), 'base64url').toString('latin1'));
}

/** `text` as it may be logged; `secrets` (longest first) are removed wherever they occur. */
export function diagnosticText(text: string, secrets: readonly string[] = []): string {
  return replaceAll(text, secrets)
    .replace(COMPACT, (run) => (isSpacedToken(run) ? REDACTED : run))
    .replace(TOKEN_LIKE, REDACTED)
    .replace(LONG_RUN, (run) => (isSecretRun(run) ? REDACTED : run));
}

/** A value passed to a diagnostic logger, as it may be logged: errors by name, message and stack, all redacted. */
export function diagnosticValue(value: unknown, secrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return diagnosticText(value, secrets);
  if (value instanceof Error) {
    const text =
      typeof value.stack === 'string' && value.stack.length > 0 ? value.stack : `${value.name}: ${value.message}`;
    return diagnosticText(text, secrets);
  }
  if (value === null || typeof value !== 'object') return value;
  return `[${Object.prototype.toString.call(value).slice(8, -1)}]`;
}
