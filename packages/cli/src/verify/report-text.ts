/** The human-readable report of `tokentrail verify`. */
import type { StreamReport, TrailReport } from './trail-verifier';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function signatures(report: StreamReport): string {
  if (report.signed === 0) return 'unsigned';
  if (!report.signaturesChecked) return `${report.signed} signed, signatures not checked (no --public-key)`;
  if (report.signaturesFailed === 0) return `${report.signed} signed, signatures verified`;
  return `${report.signed} signed, ${report.signaturesFailed} ${report.signaturesFailed === 1 ? 'signature does' : 'signatures do'} not verify`;
}

function state(report: StreamReport): string {
  const { window } = report;
  if (!window) return report.sealed ? 'sealed' : 'open';
  if (report.records === 0) return 'no window';
  const start = window.from === 1 ? 'seq 1' : `checkpoint seq ${window.from}`;
  const endsAtCheckpoint = report.lastCheckpoint === window.to - 1;
  const end = !endsAtCheckpoint
    ? `seq ${window.to}, open`
    : report.sealed
      ? `the closing checkpoint seq ${window.to}`
      : `checkpoint seq ${window.to}`;
  return `window from ${start} to ${end}`;
}

function headline(report: StreamReport): string {
  const service = report.service ? ` (${report.service})` : '';
  const range = report.records === 0 ? '' : ` (seq ${report.from}…${report.highest})`;
  return `stream ${report.stream}${service}: ${count(report.records, 'record')}${range}, ${count(report.checkpoints, 'checkpoint')} (${signatures(report)}), ${state(report)}`;
}

const rangeText = ([first, last]: [number, number]) => (first === last ? `${first}` : `${first}–${last}`);

export function formatReport(report: TrailReport): string {
  const lines: string[] = [];
  for (const stream of report.streams) {
    lines.push(`${stream.verified ? 'VERIFIED' : 'FAILED  '} ${headline(stream)}`);
    for (const problem of stream.problems) lines.push(`  ${problem.kind.padEnd(19)} ${problem.detail}`);
    const outside = stream.window?.outside ?? [];
    if (outside.length > 0)
      lines.push(
        `  ${'outside window'.padEnd(19)} seq ${outside.map(rangeText).join(', ')} read but not verified (outside seq ${stream.window!.from}…${stream.window!.to})`,
      );
  }
  const failed = report.streams.filter((stream) => !stream.verified).length;
  if (report.streams.length === 0) lines.push('no audit records (none carries jwt.audit.stream)');
  lines.push(
    `${count(report.streams.length, 'stream')}: ${report.streams.length - failed} verified, ${failed} failed` +
      (report.otherRecords > 0 ? `; ${report.otherRecords} other log records ignored` : ''),
  );
  return lines.join('\n');
}
