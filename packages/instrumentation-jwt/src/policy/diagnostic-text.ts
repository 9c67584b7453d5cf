/**
 * What tokentrail writes to its own diagnostics (`diag`): error messages and stacks, from internal errors, the
 * libraries it records, and user hooks. Such text can quote its input (`Unexpected token 'e', "eyJhbGciOi"...
 * is not valid JSON`), so before it is logged every JWT-like run (base64url starting `ey`, as a JSON header or
 * payload does) and every long base64 or hex run (signatures, keys, secrets; not file paths) becomes `REDACTED`.
 */
const TOKEN_LIKE = /ey[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)*/g;
const LONG_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
const REDACTED = 'REDACTED';

/** A long run with slashes is a file path unless it mixes case and digits as base64 does. */
function isSecretRun(run: string): boolean {
  if (!run.includes('/')) return true;
  const upper = run.match(/[A-Z]/g)?.length ?? 0;
  const digits = run.match(/[0-9]/g)?.length ?? 0;
  return upper >= 3 && digits >= 2;
}

export function diagnosticText(text: string): string {
  return text.replace(TOKEN_LIKE, REDACTED).replace(LONG_RUN, (run) => (isSecretRun(run) ? REDACTED : run));
}

/** A value passed to a diagnostic logger, as it may be logged: errors by name, message and stack, all redacted. */
export function diagnosticValue(value: unknown): unknown {
  if (typeof value === 'string') return diagnosticText(value);
  if (value instanceof Error) {
    const text = typeof value.stack === 'string' && value.stack.length > 0 ? value.stack : `${value.name}: ${value.message}`;
    return diagnosticText(text);
  }
  if (value === null || typeof value !== 'object') return value;
  return `[${Object.prototype.toString.call(value).slice(8, -1)}]`;
}
