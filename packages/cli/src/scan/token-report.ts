/** What `scan` says about a token it found: where, its fingerprint, `alg`, `iss` and `exp`; never the token. */
import { createHash, createHmac } from 'node:crypto';
import type { FoundToken } from './token-finder';

export interface TokenFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: 'jws' | 'jwe';
  readonly fingerprint: string;
  readonly alg: string;
  readonly iss?: string;
  readonly exp?: string;
  readonly expired?: boolean;
}

/** `jwt.token.fingerprint` when the pseudonym key is given (so findings match the telemetry), else a plain SHA-256 prefix. */
export function fingerprinter(key: string | undefined): (token: string) => string {
  if (key) return (token) => createHmac('sha256', key).update(token, 'utf8').digest('hex').slice(0, 32);
  return (token) => `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32)}`;
}

const cap = (value: string) => value.slice(0, 256);

export function findingOf(
  file: string,
  found: FoundToken,
  fingerprint: (token: string) => string,
  now: number,
): TokenFinding {
  const { header, claims } = found.shape;
  const finding: TokenFinding = {
    file,
    line: found.line,
    column: found.column,
    kind: found.shape.kind,
    fingerprint: fingerprint(found.token),
    alg: cap(String(header.alg)),
  };
  const iss = claims?.iss;
  const exp = claims?.exp;
  const expires =
    typeof exp === 'number' && Number.isFinite(exp) && Math.abs(exp) < 8.64e12
      ? new Date(Math.trunc(exp) * 1000).toISOString()
      : undefined;
  return {
    ...finding,
    ...(typeof iss === 'string' ? { iss: cap(iss) } : {}),
    ...(expires ? { exp: expires, expired: (exp as number) * 1000 < now } : {}),
  };
}

/** One line per token; strings are JSON-quoted so that no control character reaches the terminal. */
export function formatFinding(finding: TokenFinding): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  const file = /[\x00-\x1f\x7f]/.test(finding.file) ? JSON.stringify(finding.file) : finding.file;
  const parts = [`${file}:${finding.line}:${finding.column}`, finding.kind, `alg=${JSON.stringify(finding.alg)}`];
  if (finding.iss !== undefined) parts.push(`iss=${JSON.stringify(finding.iss)}`);
  if (finding.exp !== undefined) parts.push(`exp=${finding.exp}${finding.expired ? ' (expired)' : ''}`);
  parts.push(`fingerprint=${finding.fingerprint}`);
  return parts.join('  ');
}
