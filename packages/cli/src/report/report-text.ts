/** The text `tokentrail report` prints: the verdict on its first line, then one line per question. */
import { formatReport } from '../verify/report-text';
import type { ReportData } from './report-model';

const n = (value: number) => value.toLocaleString('en-US');

/** The first line of the text and the banner of the HTML: a reader must not miss an unverified trail. */
export function verdictLine(data: ReportData): string {
  const failed = data.trail.streams.filter((stream) => !stream.verified);
  if (data.verified) return `VERIFIED: every stream of the trail verifies (${n(data.trail.streams.length)} stream${data.trail.streams.length === 1 ? '' : 's'}, ${n(data.records.read)} records): the figures below come from a complete, unmodified trail.`;
  if (data.trail.streams.length === 0) return 'NOT VERIFIED: no audit record was read, so nothing here is proven.';
  const kinds = [...new Set(failed.flatMap((stream) => stream.problems.map((problem) => problem.kind)))].join(', ');
  return `NOT VERIFIED: ${n(failed.length)} of ${n(data.trail.streams.length)} stream${data.trail.streams.length === 1 ? '' : 's'} failed (${kinds}): the trail may be incomplete or modified, and the figures below may not be the whole truth.`;
}

/** One line per question: its main figures, or why the records cannot answer it. */
export function answerLines(data: ReportData): string[] {
  const q = data.questions;
  const line = (id: keyof ReportData['questions'], text: string) => {
    const question = q[id];
    return `Q${question.number} ${question.title}: ${question.answered ? text : `not answered: ${question.note}`}`;
  };
  return [
    line('q1', `${n(q.q1.accesses)} accesses with a valid token, ${n(q.q1.byRoute.rows.length)} routes, ${n(q.q1.byUser.rows.length)} users shown`),
    line('q2', `${n(q.q2.requests)} requests: ${n(q.q2.outcomes.valid)} valid, ${n(q.q2.outcomes.invalid)} invalid, ${n(q.q2.outcomes.unverified)} unverified`),
    line('q3', `${n(q.q3.rejected)} rejected and ${n(q.q3.denied)} denied; ${n(q.q3.clients.rows.length)} clients with ${q.q3.threshold} or more`),
    line('q4', `${n(q.q4.issued)} issued, ${n(q.q4.refreshed)} refreshed`),
    line('q5', `${n(q.q5.revoked)} revoked`),
    line('q6', `${n(q.q6.accepted)} verifies accepted a revoked token, ${n(q.q6.alerts)} revoked_token_used alerts`),
    line('q7', `${n(q.q7.served)} requests served on a never-verified token`),
    line('q8', `${n(q.q8.insufficient)} served without the required scope, ${n(q.q8.deniedDespiteGrant)} denied despite the grant`),
    line('q9', `${n(q.q9.alerts)} alerts (${Object.entries(q.q9.byName).filter(([, count]) => count > 0).map(([name, count]) => `${name} ${n(count)}`).join(', ') || 'none'})`),
    line('q10', `${n(q.q10.findings)} findings (${Object.entries(q.q10.bySeverity).map(([severity, count]) => `${severity} ${n(count)}`).join(', ')})`),
    line('q11', `${q.q11.verified ? 'verified' : 'NOT verified'}: ${n(q.q11.streams)} streams, ${n(q.q11.records)} records, ${n(q.q11.problems)} problems`),
    line('q12', `${n(q.q12.refreshes)} refreshes, ${n(q.q12.sessions)} sessions across refreshes, the longest ${n(q.q12.longest)} tokens`),
    line('q13', `${n(q.q13.keys.rows.length)} signing keys, ${n(q.q13.rotations)} key set rotations`),
  ];
}

export function formatText(data: ReportData, written: string | undefined): string {
  const period = `${data.period.from ?? 'the first record'} to ${data.period.to ?? 'the last record'}`;
  const lines = [
    verdictLine(data),
    '',
    formatReport(data.trail),
    '',
    `Period: ${period}; ${n(data.records.inPeriod)} of ${n(data.records.read)} audit records in it (${data.period.firstRecord ?? '-'} … ${data.period.lastRecord ?? '-'}).`,
  ];
  if (data.records.sampled > 0) lines.push(`Sampled: ${n(data.records.sampled)} records carry jwt.sampling.weight and count as ${n(data.records.weighted)} records in all. ${data.weighting}`);
  lines.push('', ...answerLines(data));
  if (written) lines.push('', `Report written to ${written}`);
  return lines.join('\n');
}
