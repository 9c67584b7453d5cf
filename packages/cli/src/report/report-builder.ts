/**
 * Reads the files once, in order, and builds the report: each record goes to the trail's verdict and, when
 * it is the first copy of its seq and falls in the period, to the tallies of the thirteen questions. Memory
 * is bounded by the tallies' caps, not by the number of records.
 */
import { readTrailFile } from '../verify/otlp-records';
import type { VerifyOptions } from '../verify/trail-verifier';
import { auditFields } from './audit-fields';
import { AlertKeyTally } from './alert-key-tally';
import { AUDITOR_QUESTIONS, type QuestionId } from './auditor-queries';
import { inPeriod, type Period } from './report-period';
import type { Question, QuestionBase, Questions, ReportData } from './report-model';
import { RequestTally } from './request-tally';
import { SessionChains } from './session-chains';
import { isoTime, rounded } from './tally-rows';
import { TokenTally } from './token-tally';
import { TrailVerdict } from './trail-verdict';

export const WEIGHTING =
  'Records kept by log sampling carry jwt.sampling.weight (1 / the sample ratio) and count as that many records; ' +
  'counts that include them are estimates. Failures, findings, alerts and revocations are never sampled.';

const NO_REQUESTS =
  'No jwt.request record in the period: no request that carried a JWT was recorded by a service in these files.';

function question<Id extends QuestionId>(
  id: Id,
  answer: Questions[Id],
  unanswered?: string,
  note?: string,
): Question<Id> {
  const { title, number, question: text, queries } = AUDITOR_QUESTIONS[id];
  const base: QuestionBase = {
    id,
    number,
    title,
    question: text,
    queries,
    answered: unanswered === undefined,
    ...((unanswered ?? note) ? { note: unanswered ?? note } : {}),
  };
  return { ...base, ...answer } as Question<Id>;
}

export async function buildReport(
  files: string[],
  period: Period,
  options: VerifyOptions,
  now = new Date(),
): Promise<ReportData> {
  const verdict = new TrailVerdict(options);
  const requests = new RequestTally();
  const tokens = new TokenTally();
  const alertsAndKeys = new AlertKeyTally();
  const sessions = new SessionChains();
  const counts = { skipped: 0 };
  const byEvent: Record<string, number> = {};
  const totals = { read: 0, copies: 0, inPeriod: 0, sampled: 0, weighted: 0, first: Infinity, last: -Infinity };
  for (const file of files) {
    for await (const record of readTrailFile(file, counts)) {
      if (!verdict.accept(record)) {
        totals.copies += 1;
        continue;
      }
      totals.read += 1;
      const fields = auditFields(record);
      if (!inPeriod(period, fields.timeMs)) continue;
      totals.inPeriod += 1;
      totals.first = Math.min(totals.first, fields.timeMs);
      totals.last = Math.max(totals.last, fields.timeMs);
      if (fields.sampled) totals.sampled += 1;
      totals.weighted += fields.weight;
      const event = fields.event ?? '(no event name)';
      byEvent[event] = (byEvent[event] ?? 0) + 1;
      if (fields.event === 'jwt.request') requests.add(fields);
      tokens.add(fields);
      alertsAndKeys.add(fields);
      sessions.add(fields);
    }
  }
  const trail = await verdict.finish(files, counts.skipped);
  const seen = (event: string) => (byEvent[event] ?? 0) > 0;
  const hasRequests = seen('jwt.request');
  const hasOperations = tokens.verifies > 0 || tokens.signs > 0;
  const q13 = alertsAndKeys.q13();
  const problems = trail.streams.flatMap((stream) => stream.problems);
  const byKind: Record<string, number> = {};
  for (const problem of problems) byKind[problem.kind] = (byKind[problem.kind] ?? 0) + 1;
  const questions: ReportData['questions'] = {
    q1: question('q1', requests.q1(), hasRequests ? undefined : NO_REQUESTS),
    q2: question('q2', requests.q2(), hasRequests ? undefined : NO_REQUESTS),
    q3: question('q3', requests.q3(), hasRequests ? undefined : NO_REQUESTS),
    q4: question(
      'q4',
      tokens.q4(),
      tokens.signs > 0
        ? undefined
        : 'No jwt.sign record in the period: the tokens are issued elsewhere (an identity provider), whose telemetry is not in these files.',
    ),
    q5: question(
      'q5',
      tokens.q5(),
      undefined,
      seen('jwt.revoke')
        ? undefined
        : 'No jwt.revoke record in the period: nothing was revoked, or the services do not report revocations (recordRevocation()).',
    ),
    q6: question(
      'q6',
      tokens.q6(alertsAndKeys.alertsNamed('revoked_token_used')),
      tokens.verifies > 0
        ? undefined
        : 'No verify in the period (no jwt.verify record, no jwt.request record carrying one): no accepted revoked token can be seen.',
    ),
    q7: question('q7', requests.q7(), hasRequests ? undefined : NO_REQUESTS),
    q8: question(
      'q8',
      requests.q8(),
      hasRequests ? undefined : NO_REQUESTS,
      "A scope gap is seen only on routes the services' scopePolicy names.",
    ),
    q9: question(
      'q9',
      alertsAndKeys.q9(),
      hasRequests || hasOperations
        ? undefined
        : 'No request or operation record in the period: the detectors had nothing to watch.',
      'Each process sees its own traffic only; a token replayed across instances needs the fleet-wide backend rule.',
    ),
    q10: question('q10', tokens.q10(), hasOperations || hasRequests ? undefined : 'No operation record in the period.'),
    q11: question('q11', {
      verified: trail.verified,
      streams: trail.streams.length,
      records: trail.streams.reduce((sum, stream) => sum + stream.records, 0),
      problems: problems.length,
      byKind,
    }),
    q12: question(
      'q12',
      sessions.q12(),
      tokens.signs > 0
        ? undefined
        : 'No jwt.sign record in the period: refreshes are issued elsewhere, so sessions cannot be linked.',
    ),
    q13: question(
      'q13',
      q13,
      q13.keys.rows.length > 0
        ? undefined
        : 'No sign or verify record carries jwt.key.fingerprint: keys the library resolves itself (a remote key set, a key function) have none.',
    ),
  };
  return {
    report: 'tokentrail report',
    version: 1,
    generatedAt: now.toISOString(),
    files,
    verified: trail.verified,
    trail,
    period: {
      from: period.from === undefined ? null : isoTime(period.from),
      to: period.to === undefined ? null : isoTime(period.to),
      firstRecord: totals.inPeriod > 0 ? isoTime(totals.first) : null,
      lastRecord: totals.inPeriod > 0 ? isoTime(totals.last) : null,
    },
    records: {
      read: totals.read,
      inPeriod: totals.inPeriod,
      sampled: totals.sampled,
      weighted: rounded(totals.weighted),
      copies: totals.copies,
      byEvent,
    },
    weighting: WEIGHTING,
    questions,
  };
}
