/** The human-readable report of `tokentrail inspect`. Every value is JSON-quoted: nothing from the token reaches the terminal raw. */
import type { InspectionReport } from './inspection-report';

const TIME_ATTRIBUTES = new Set(['jwt.claims.exp', 'jwt.claims.nbf', 'jwt.claims.iat']);

function shown(name: string, value: unknown, now: number): string {
  const text = JSON.stringify(value);
  if (!TIME_ATTRIBUTES.has(name) || typeof value !== 'number' || Math.abs(value) > 8.64e12) return text;
  const when = new Date(value * 1000).toISOString();
  const relative = name === 'jwt.claims.exp' ? (value * 1000 < now ? ', expired' : ', not expired') : '';
  return `${text} (${when}${relative})`;
}

function verificationLine(report: InspectionReport): string {
  const { verification } = report;
  if (verification === 'not_verified')
    return 'Not verified: give --secret-env, --key or --jwks to check the signature and time claims.';
  if (verification.outcome === 'valid') return 'Verified: valid (signature, exp and nbf checked).';
  const { reason, claim, errorType } = verification.failure!;
  return `Verified: invalid — jwt.validation.reason ${reason}${claim ? ` (claim ${claim})` : ''}, error.type ${errorType}.`;
}

export function formatInspection(report: InspectionReport): string {
  const now = Date.now();
  const lines = [
    `Decoded without verification: the header and claims below are what the ${report.kind === 'jwe' ? 'JWE header' : 'token'} says, not facts.`,
    verificationLine(report),
    '',
    'As tokentrail exports it:',
  ];
  const names = Object.keys(report.attributes).sort();
  const width = Math.max(...names.map((name) => name.length));
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${shown(name, report.attributes[name], now)}`);
  const { header, claims } = report.withheld;
  if (header.length + claims.length > 0) {
    const parts = [
      header.length ? `header ${header.map((n) => JSON.stringify(n)).join(', ')}` : '',
      claims.length ? `claims ${claims.map((n) => JSON.stringify(n)).join(', ')}` : '',
    ];
    lines.push(
      `Not exported by the redaction policy: ${parts.filter(Boolean).join('; ')}${report.revealed ? '' : ' (--reveal shows them)'}`,
    );
  }
  if (report.kind === 'jwe') lines.push('The claims of a JWE are encrypted: only its header can be read.');
  if (report.revealed) {
    lines.push('', 'Raw header (--reveal):', `  ${JSON.stringify(report.revealed.header)}`);
    if (report.revealed.claims) lines.push('Raw claims (--reveal):', `  ${JSON.stringify(report.revealed.claims)}`);
  }
  lines.push('', 'Findings:');
  if (report.findings.length === 0) lines.push('  none');
  for (const finding of report.findings) lines.push(`  ${finding.severity.padEnd(8)}  ${finding.name}`);
  return lines.join('\n');
}
