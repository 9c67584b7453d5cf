/** The human-readable report of `tokentrail verify`. */
import type { StreamReport, TrailReport } from './trail-verifier';

function headline(report: StreamReport): string {
  const service = report.service ? ` (${report.service})` : '';
  const signatures = report.signed === 0 ? 'unsigned' : report.signaturesChecked ? `${report.signed} signed, signatures verified` : `${report.signed} signed, signatures not checked (no --public-key)`;
  const state = report.sealed ? 'sealed' : 'open';
  return `stream ${report.stream}${service}: ${report.records} records (seq 1…${report.highest}), ${report.checkpoints} checkpoints (${signatures}), ${state}`;
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
    `${report.streams.length} streams: ${report.streams.length - failed} verified, ${failed} failed` +
      (report.otherRecords > 0 ? `; ${report.otherRecords} other log records ignored` : ''),
  );
  return lines.join('\n');
}
