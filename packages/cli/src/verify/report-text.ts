/** The human-readable report of `tokentrail verify`. */
import type { StreamReport, TrailReport } from './trail-verifier';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function headline(report: StreamReport): string {
  const service = report.service ? ` (${report.service})` : '';
  const signatures = report.signed === 0 ? 'unsigned' : report.signaturesChecked ? `${report.signed} signed, signatures verified` : `${report.signed} signed, signatures not checked (no --public-key)`;
  const state = report.sealed ? 'sealed' : 'open';
  return `stream ${report.stream}${service}: ${count(report.records, 'record')} (seq ${report.from}…${report.highest}), ${count(report.checkpoints, 'checkpoint')} (${signatures}), ${state}`;
}

export function formatReport(report: TrailReport): string {
  const lines: string[] = [];
  for (const stream of report.streams) {
    lines.push(`${stream.verified ? 'VERIFIED' : 'FAILED  '} ${headline(stream)}`);
    for (const problem of stream.problems) lines.push(`  ${problem.kind.padEnd(19)} ${problem.detail}`);
  }
  const failed = report.streams.filter((stream) => !stream.verified).length;
  if (report.streams.length === 0) lines.push('no audit records (none carries jwt.audit.stream)');
  lines.push(
    `${count(report.streams.length, 'stream')}: ${report.streams.length - failed} verified, ${failed} failed` +
      (report.otherRecords > 0 ? `; ${report.otherRecords} other log records ignored` : ''),
  );
  return lines.join('\n');
}
