/** The text `tokentrail report` prints: the verdict on its first line, then one line per question. */
import { formatReport } from '../verify/report-text';
import type { ReportData } from './report-model';

const n = (value: number) => value.toLocaleString('en-US');
/** `3 requests`, `1 request` (a weighted count of 1.5 is plural). */
const of = (value: number, noun: string, plural = `${noun}s`) => `${n(value)} ${value === 1 ? noun : plural}`;

/** The first line of the text and the banner of the HTML: a reader must not miss an unverified trail. */
export function verdictLine(data: ReportData): string {
  const failed = data.trail.streams.filter((stream) => !stream.verified);
  if (data.verified)
    return `VERIFIED: every stream of the trail verifies (${n(data.trail.streams.length)} stream${data.trail.streams.length === 1 ? '' : 's'}, ${n(data.records.read)} records): the figures below come from a complete, unmodified trail.`;
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
    line(
      'q1',
      `${of(q.q1.accesses, 'access', 'accesses')} with a valid token; ${of(q.q1.byRoute.rows.length, 'route')} and ${of(q.q1.byUser.rows.length, 'user')} listed`,
    ),
    line(
      'q2',
      `${of(q.q2.requests, 'request')}: ${n(q.q2.outcomes.valid)} valid, ${n(q.q2.outcomes.invalid)} invalid, ${n(q.q2.outcomes.unverified)} unverified`,
    ),
    line(
      'q3',
      `${n(q.q3.rejected)} rejected and ${n(q.q3.denied)} denied; ${of(q.q3.clients.rows.length, 'client')} with ${q.q3.threshold} or more`,
    ),
    line('q4', `${n(q.q4.issued)} issued, ${n(q.q4.refreshed)} refreshed`),
    line('q5', `${of(q.q5.revoked, 'token')} revoked`),
    line(
      'q6',
      `${of(q.q6.accepted, 'verify', 'verifies')} accepted a revoked token; ${of(q.q6.alerts, 'revoked_token_used alert')}`,
    ),
    line('q7', `${of(q.q7.served, 'request')} served on a never-verified token`),
    line(
      'q8',
      `${n(q.q8.insufficient)} served without the required scope, ${n(q.q8.deniedDespiteGrant)} denied despite the grant`,
    ),
    line(
      'q9',
      `${of(q.q9.alerts, 'alert')} (${
        Object.entries(q.q9.byName)
          .filter(([, count]) => count > 0)
          .map(([name, count]) => `${name} ${n(count)}`)
          .join(', ') || 'none'
      })`,
    ),
    line(
      'q10',
      `${of(q.q10.findings, 'finding')} (${Object.entries(q.q10.bySeverity)
        .map(([severity, count]) => `${severity} ${n(count)}`)
        .join(', ')})`,
    ),
    line(
      'q11',
      `${q.q11.verified ? 'verified' : 'NOT verified'}: ${of(q.q11.streams, 'stream')}, ${of(q.q11.records, 'record')}, ${of(q.q11.problems, 'problem')}`,
    ),
    line(
      'q12',
      `${of(q.q12.refreshes, 'refresh', 'refreshes')}, ${of(q.q12.sessions, 'session')} across refreshes, the longest of ${of(q.q12.longest, 'token')}`,
    ),
    line('q13', `${of(q.q13.keys.rows.length, 'signing key')}, ${of(q.q13.rotations, 'key set rotation')}`),
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
  if (data.records.sampled > 0)
    lines.push(
      `Sampled: ${n(data.records.sampled)} records carry jwt.sampling.weight and count as ${n(data.records.weighted)} records in all. ${data.weighting}`,
    );
  lines.push('', ...answerLines(data));
  if (written) lines.push('', `Report written to ${written}`);
  return lines.join('\n');
}
