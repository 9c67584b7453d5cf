/**
 * The report as one self-contained HTML file: no script, no external resource (a Content-Security-Policy
 * forbids any), styles for screen and print, charts as inline SVG. Every figure is a value of the JSON
 * report, marked with its path, so the page shows exactly what `--json` prints.
 */
import { OUTCOME_PARTS, type ReportData } from './report-model';
import { escapeHtml, figure, formatNumber, textOf, timeOf } from './html-text';
import { rankedBars, stackedBars, timeline, type Part } from './svg-charts';
import { verdictLine } from './report-text';
import { REPORT_STYLE } from './report-style';
import type { QuestionId } from './auditor-queries';

type Cell = 'number' | 'text' | 'time' | 'list';
interface Column {
  readonly key: string;
  readonly label: string;
  readonly cell: Cell;
}

const OUTCOME_COLORS: Record<string, string> = { valid: '#2f855a', invalid: '#c53030', unverified: '#d69e2e' };
const REASON_COLORS = [
  '#c53030',
  '#dd6b20',
  '#805ad5',
  '#3182ce',
  '#d53f8c',
  '#2c7a7b',
  '#718096',
  '#b7791f',
  '#2b6cb0',
  '#9b2c2c',
  '#4a5568',
];

function cell(kind: Cell, path: string, value: unknown): string {
  if (value === null) return '<td><span class="none">—</span></td>';
  if (kind === 'number') return `<td class="num">${figure(path, value as number)}</td>`;
  if (kind === 'time') return `<td>${timeOf(path, value as string | null)}</td>`;
  if (kind === 'list')
    return `<td>${(value as string[]).map((item, i) => textOf(`${path}.${i}`, item, 'tag')).join(' ')}</td>`;
  return `<td>${textOf(path, value as string | null, 't mono')}</td>`;
}

function table(
  path: string,
  columns: readonly Column[],
  rows: ReadonlyArray<Record<string, unknown>>,
  empty: string,
  exact?: boolean,
): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = `<tr>${columns.map((c) => `<th${c.cell === 'number' ? ' class="num"' : ''}>${escapeHtml(c.label)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row, i) => `<tr>${columns.map((c) => cell(c.cell, `${path}.${i}.${c.key}`, row[c.key])).join('')}</tr>`)
    .join('');
  const caveat =
    exact === false
      ? '<p class="note">More distinct values than the report follows: the rows are the largest, and their counts may be low.</p>'
      : '';
  return `<table>${head}${body}</table>${caveat}`;
}

/** The headline figures of a section, as label–value pairs. */
function figures(items: ReadonlyArray<[string, string, number]>): string {
  return `<dl class="figures">${items.map(([label, path, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${figure(path, value)}</dd></div>`).join('')}</dl>`;
}

function section(data: ReportData, id: QuestionId, body: () => string): string {
  const q = data.questions[id];
  const queries = q.queries
    .map(
      (query) =>
        `<div class="query"><span>${escapeHtml(query.where)}</span><code>${escapeHtml(query.query)}</code></div>`,
    )
    .join('');
  const note = q.note
    ? `<p class="${q.answered ? 'note' : 'unanswered'}" data-path="questions.${id}.note">${escapeHtml(q.note)}</p>`
    : '';
  const content = q.answered ? body() : '';
  return `<section id="${id}" data-question="${id}" data-answered="${q.answered}"><h2><span class="qn">Q${q.number}</span> ${escapeHtml(q.title)}</h2><p class="question">${escapeHtml(q.question)}</p>${note}${content}<details open><summary>The same answer from the backend</summary>${queries}</details></section>`;
}

function verdictSection(data: ReportData): string {
  const rows = data.trail.streams.map((stream, i) => {
    const base = `trail.streams.${i}`;
    const problems = stream.problems
      .map(
        (problem, j) =>
          `<li><strong>${escapeHtml(problem.kind)}</strong>: <span data-path="${base}.problems.${j}.detail" data-text>${escapeHtml(problem.detail)}</span></li>`,
      )
      .join('');
    return (
      `<tr class="${stream.verified ? 'ok' : 'bad'}"><td>${stream.verified ? '✔ verified' : '✘ failed'}</td><td>${textOf(`${base}.stream`, stream.stream, 't mono')}</td><td>${textOf(`${base}.service`, stream.service ?? null)}</td>` +
      `<td class="num">${figure(`${base}.records`, stream.records)}</td><td class="num">${figure(`${base}.checkpoints`, stream.checkpoints)}</td><td class="num">${figure(`${base}.signed`, stream.signed)}</td><td>${stream.sealed ? 'sealed' : 'open'}${stream.signaturesChecked ? ', signatures checked' : stream.signed > 0 ? ', signatures not checked' : ''}</td></tr>` +
      (problems ? `<tr class="problems"><td></td><td colspan="6"><ul>${problems}</ul></td></tr>` : '')
    );
  });
  const streamed =
    data.trail.checkedWhileStreaming.length > 0
      ? `<p class="note">Too large to be read again, ${data.trail.checkedWhileStreaming.length} failing stream(s) were checked while streaming: a moved record shows as the records it broke.</p>`
      : '';
  return `<table class="streams"><tr><th>Verdict</th><th>Stream</th><th>Service</th><th class="num">Records</th><th class="num">Checkpoints</th><th class="num">Signed</th><th>State</th></tr>${rows.join('')}</table>${streamed}`;
}

const outcomeParts: Part[] = OUTCOME_PARTS.map((name) => ({ name, label: name, color: OUTCOME_COLORS[name]! }));

function body(data: ReportData): Record<QuestionId, () => string> {
  const q = data.questions;
  return {
    q1: () =>
      figures([['Accesses with a valid token', 'questions.q1.accesses', q.q1.accesses]]) +
      stackedBars(
        'Accesses over time',
        q.q1.series,
        [{ name: 'accesses', label: 'accesses', color: '#2f855a' }],
        'questions.q1.series',
      ) +
      `<div class="two">${table(
        'questions.q1.byRoute.rows',
        [
          { key: 'route', label: 'Route', cell: 'text' },
          { key: 'accesses', label: 'Accesses', cell: 'number' },
        ],
        q.q1.byRoute.rows,
        'No access.',
        q.q1.byRoute.exact,
      )}` +
      `${table(
        'questions.q1.byUser.rows',
        [
          { key: 'user', label: 'User (pseudonym)', cell: 'text' },
          { key: 'accesses', label: 'Accesses', cell: 'number' },
        ],
        q.q1.byUser.rows,
        'No access.',
        q.q1.byUser.exact,
      )}</div>` +
      table(
        'questions.q1.byRouteAndUser.rows',
        [
          { key: 'route', label: 'Route', cell: 'text' },
          { key: 'user', label: 'User (pseudonym)', cell: 'text' },
          { key: 'accesses', label: 'Accesses', cell: 'number' },
        ],
        q.q1.byRouteAndUser.rows,
        'No access.',
        q.q1.byRouteAndUser.exact,
      ),
    q2: () => {
      const failureParts = Object.keys(q.q2.failures.buckets[0] ?? {})
        .filter((reason) => q.q2.failures.buckets.some((bucket) => (bucket[reason] ?? 0) > 0))
        .map((name, i) => ({ name, label: name, color: REASON_COLORS[i % REASON_COLORS.length]! }));
      return (
        figures([
          ['Requests with a JWT', 'questions.q2.requests', q.q2.requests],
          ['Valid', 'questions.q2.outcomes.valid', q.q2.outcomes.valid],
          ['Invalid', 'questions.q2.outcomes.invalid', q.q2.outcomes.invalid],
          ['Unverified', 'questions.q2.outcomes.unverified', q.q2.outcomes.unverified],
        ]) +
        stackedBars('Outcomes over time', q.q2.series, outcomeParts, 'questions.q2.series') +
        stackedBars('Failures over time, by reason', q.q2.failures, failureParts, 'questions.q2.failures') +
        table(
          'questions.q2.reasons.rows',
          [
            { key: 'reason', label: 'Reason', cell: 'text' },
            { key: 'claim', label: 'Claim', cell: 'text' },
            { key: 'requests', label: 'Requests', cell: 'number' },
          ],
          q.q2.reasons.rows,
          'No request was refused.',
          q.q2.reasons.exact,
        )
      );
    },
    q3: () =>
      figures([
        ['Rejected (401/403 on a refused token)', 'questions.q3.rejected', q.q3.rejected],
        ['Denied (403 on a valid token)', 'questions.q3.denied', q.q3.denied],
      ]) +
      `<p>Clients with ${figure('questions.q3.threshold', q.q3.threshold)} or more refused requests in the period:</p>` +
      rankedBars(
        'Top refused clients',
        q.q3.clients.rows.map((row, i) => ({
          label: row.client,
          value: row.total,
          path: `questions.q3.clients.rows.${i}.total`,
        })),
        '#c53030',
      ) +
      table(
        'questions.q3.clients.rows',
        [
          { key: 'client', label: 'Client address', cell: 'text' },
          { key: 'rejected', label: 'Rejected', cell: 'number' },
          { key: 'denied', label: 'Denied', cell: 'number' },
          { key: 'total', label: 'Total', cell: 'number' },
        ],
        q.q3.clients.rows,
        'No client was refused that often.',
        q.q3.clients.exact,
      ),
    q4: () =>
      figures([
        ['Issued', 'questions.q4.issued', q.q4.issued],
        ['Refreshed', 'questions.q4.refreshed', q.q4.refreshed],
        ...(q.q4.shortestSeconds === null
          ? []
          : ([['Shortest lifetime (s)', 'questions.q4.shortestSeconds', q.q4.shortestSeconds]] as Array<
              [string, string, number]
            >)),
        ...(q.q4.longestSeconds === null
          ? []
          : ([['Longest lifetime (s)', 'questions.q4.longestSeconds', q.q4.longestSeconds]] as Array<
              [string, string, number]
            >)),
      ]) +
      rankedBars(
        'Tokens by lifetime',
        q.q4.lifetimes.map((row, i) => ({
          label: row.label,
          value: row.tokens,
          path: `questions.q4.lifetimes.${i}.tokens`,
        })),
        '#3182ce',
      ) +
      table(
        'questions.q4.byUser.rows',
        [
          { key: 'user', label: 'User (pseudonym)', cell: 'text' },
          { key: 'issued', label: 'Issued', cell: 'number' },
          { key: 'refreshed', label: 'Refreshed', cell: 'number' },
        ],
        q.q4.byUser.rows,
        'No token issued.',
        q.q4.byUser.exact,
      ),
    q5: () =>
      figures([
        ['Revoked', 'questions.q5.revoked', q.q5.revoked],
        ...Object.entries(q.q5.reasons)
          .filter(([, n]) => n > 0)
          .map(([reason, n]): [string, string, number] => [reason, `questions.q5.reasons.${reason}`, n]),
      ]) +
      table(
        'questions.q5.list.rows',
        [
          { key: 'time', label: 'When', cell: 'time' },
          { key: 'fingerprint', label: 'Token (fingerprint)', cell: 'text' },
          { key: 'reason', label: 'Reason', cell: 'text' },
          { key: 'actor', label: 'By (pseudonym)', cell: 'text' },
        ],
        q.q5.list.rows,
        'No revocation.',
      ) +
      (q.q5.list.rows.length < q.q5.list.total
        ? `<p class="note">The first ${q.q5.list.rows.length} of ${formatNumber(q.q5.list.total)} are listed.</p>`
        : ''),
    q6: () =>
      figures([
        ['Verifies that accepted a revoked token', 'questions.q6.accepted', q.q6.accepted],
        ['revoked_token_used alerts', 'questions.q6.alerts', q.q6.alerts],
      ]) +
      table(
        'questions.q6.tokens.rows',
        [
          { key: 'fingerprint', label: 'Token (fingerprint)', cell: 'text' },
          { key: 'uses', label: 'Accepted uses', cell: 'number' },
        ],
        q.q6.tokens.rows,
        'No revoked token was accepted.',
        q.q6.tokens.exact,
      ),
    q7: () =>
      figures([['Requests served on a never-verified token', 'questions.q7.served', q.q7.served]]) +
      table(
        'questions.q7.byRoute.rows',
        [
          { key: 'route', label: 'Route', cell: 'text' },
          { key: 'requests', label: 'Requests', cell: 'number' },
        ],
        q.q7.byRoute.rows,
        'None.',
        q.q7.byRoute.exact,
      ),
    q8: () =>
      figures([
        ['Served without the required scope', 'questions.q8.insufficient', q.q8.insufficient],
        ['Denied despite the grant', 'questions.q8.deniedDespiteGrant', q.q8.deniedDespiteGrant],
      ]) +
      table(
        'questions.q8.byRouteAndUser.rows',
        [
          { key: 'route', label: 'Route', cell: 'text' },
          { key: 'user', label: 'User (pseudonym)', cell: 'text' },
          { key: 'insufficient', label: 'Without scope', cell: 'number' },
          { key: 'deniedDespiteGrant', label: 'Denied despite grant', cell: 'number' },
        ],
        q.q8.byRouteAndUser.rows,
        'No scope gap.',
        q.q8.byRouteAndUser.exact,
      ),
    q9: () =>
      figures([
        ['Alerts', 'questions.q9.alerts', q.q9.alerts],
        ...Object.entries(q.q9.byName).map(([name, n]): [string, string, number] => [
          name,
          `questions.q9.byName.${name}`,
          n,
        ]),
      ]) +
      table(
        'questions.q9.list.rows',
        [
          { key: 'time', label: 'When', cell: 'time' },
          { key: 'name', label: 'Alert', cell: 'text' },
          { key: 'fingerprint', label: 'Token', cell: 'text' },
          { key: 'user', label: 'User', cell: 'text' },
          { key: 'client', label: 'Client', cell: 'text' },
          { key: 'count', label: 'Count', cell: 'number' },
          { key: 'threshold', label: 'Threshold', cell: 'number' },
          { key: 'windowSeconds', label: 'Window (s)', cell: 'number' },
        ],
        q.q9.list.rows,
        'No alert.',
      ),
    q10: () =>
      figures([
        ['Findings', 'questions.q10.findings', q.q10.findings],
        ...Object.entries(q.q10.bySeverity).map(([severity, n]): [string, string, number] => [
          severity,
          `questions.q10.bySeverity.${severity}`,
          n,
        ]),
      ]) +
      rankedBars(
        'Findings by name',
        q.q10.byName.map((row, i) => ({
          label: `${row.finding} (${row.severity})`,
          value: row.count,
          path: `questions.q10.byName.${i}.count`,
        })),
        '#805ad5',
      ) +
      table(
        'questions.q10.byName',
        [
          { key: 'finding', label: 'Finding', cell: 'text' },
          { key: 'severity', label: 'Severity', cell: 'text' },
          { key: 'count', label: 'Records', cell: 'number' },
        ],
        q.q10.byName,
        'No finding.',
      ) +
      table(
        'questions.q10.tokens.rows',
        [
          { key: 'fingerprint', label: 'Accepted token (fingerprint)', cell: 'text' },
          { key: 'uses', label: 'Verifies', cell: 'number' },
          { key: 'findings', label: 'Findings', cell: 'list' },
        ],
        q.q10.tokens.rows,
        'No accepted token is long-lived, lacks exp or jti, or rests on a weak algorithm or key.',
        q.q10.tokens.exact,
      ),
    q11: () =>
      `${figures([
        ['Streams', 'questions.q11.streams', q.q11.streams],
        ['Records', 'questions.q11.records', q.q11.records],
        ['Problems', 'questions.q11.problems', q.q11.problems],
      ])}<p class="note">Each stream's verdict is at the <a href="#trail">top of the report</a>.</p>`,
    q12: () =>
      figures([
        ['Refreshes', 'questions.q12.refreshes', q.q12.refreshes],
        ['Sessions across refreshes', 'questions.q12.sessions', q.q12.sessions],
        ['Longest (tokens)', 'questions.q12.longest', q.q12.longest],
      ]) +
      table(
        'questions.q12.chains',
        [
          { key: 'user', label: 'User (pseudonym)', cell: 'text' },
          { key: 'tokens', label: 'Tokens', cell: 'number' },
          { key: 'first', label: 'First token', cell: 'text' },
          { key: 'last', label: 'Last token', cell: 'text' },
          { key: 'firstRefreshed', label: 'First refresh', cell: 'time' },
          { key: 'lastRefreshed', label: 'Last refresh', cell: 'time' },
        ],
        q.q12.chains,
        'No refresh chain.',
      ) +
      (q.q12.complete ? '' : '<p class="note">More tokens than the report follows: some sessions are not linked.</p>'),
    q13: () =>
      figures([['Key set rotations (jwt.key.rotated)', 'questions.q13.rotations', q.q13.rotations]]) +
      timeline(
        'Signing keys: first to last use',
        q.q13.keys.rows.map((row) => ({
          label: `${row.service ?? '?'} · ${row.kid ?? row.key.slice(0, 12)}`,
          from: row.firstSeen,
          to: row.lastSeen,
        })),
        '#2c7a7b',
      ) +
      rankedBars(
        'Uses per key (signs + verifies)',
        q.q13.keys.rows.map((row, i) => ({
          label: `${row.service ?? '?'} · ${row.kid ?? row.key.slice(0, 12)}`,
          value: row.uses,
          path: `questions.q13.keys.rows.${i}.uses`,
        })),
        '#2c7a7b',
      ) +
      table(
        'questions.q13.keys.rows',
        [
          { key: 'service', label: 'Service', cell: 'text' },
          { key: 'key', label: 'Key (fingerprint)', cell: 'text' },
          { key: 'kid', label: 'kid', cell: 'text' },
          { key: 'signs', label: 'Signs', cell: 'number' },
          { key: 'verifies', label: 'Verifies', cell: 'number' },
          { key: 'uses', label: 'Uses', cell: 'number' },
          { key: 'firstSeen', label: 'First seen', cell: 'time' },
          { key: 'lastSeen', label: 'Last seen', cell: 'time' },
        ],
        q.q13.keys.rows,
        'No key.',
        q.q13.keys.exact,
      ),
  };
}

export function renderHtml(data: ReportData): string {
  const verdict = verdictLine(data);
  const banner = data.verified
    ? `<header class="verdict verified" id="verdict" data-verified="true"><strong>VERIFIED</strong><p>${escapeHtml(verdict.replace(/^VERIFIED: /, ''))}</p></header>`
    : `<header class="verdict failed" id="verdict" data-verified="false" role="alert"><strong>NOT VERIFIED</strong><p>${escapeHtml(verdict.replace(/^NOT VERIFIED: /, ''))}</p></header>`;
  const period = `${data.period.from ? timeOf('period.from', data.period.from) : 'the first record'} to ${data.period.to ? timeOf('period.to', data.period.to) : 'the last record'}`;
  const sampling =
    data.records.sampled > 0
      ? `<p class="sampling"><strong>Sampled records are weighted.</strong> ${figure('records.sampled', data.records.sampled)} records in the period carry <code>jwt.sampling.weight</code> and stand for ${figure('records.weighted', data.records.weighted)} records in all. ${escapeHtml(data.weighting)}</p>`
      : `<p class="sampling">No record in the period was sampled: every count is exact. ${escapeHtml(data.weighting)}</p>`;
  const q = data.questions;
  const summary = figures([
    ['Audit records in the period', 'records.inPeriod', data.records.inPeriod],
    ['Requests with a JWT', 'questions.q2.requests', q.q2.requests],
    ['Refused', 'questions.q2.outcomes.invalid', q.q2.outcomes.invalid],
    ['Alerts', 'questions.q9.alerts', q.q9.alerts],
    ['Critical findings', 'questions.q10.bySeverity.critical', q.q10.bySeverity.critical ?? 0],
    ['Revoked', 'questions.q5.revoked', q.q5.revoked],
  ]);
  const parts = body(data);
  const sections = (Object.keys(data.questions) as QuestionId[]).map((id) => section(data, id, parts[id])).join('\n');
  const toc = (Object.keys(data.questions) as QuestionId[])
    .map(
      (id) =>
        `<li><a href="#${id}">Q${q[id].number} ${escapeHtml(q[id].title)}</a>${q[id].answered ? '' : ' <span class="muted">(not answered)</span>'}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tokentrail report">
<title>${data.verified ? '' : 'NOT VERIFIED — '}tokentrail evidence report</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
${banner}
<main>
<h1>JWT audit evidence report</h1>
<p class="meta">Period: ${period} · records from ${data.period.firstRecord ? timeOf('period.firstRecord', data.period.firstRecord) : '—'} to ${data.period.lastRecord ? timeOf('period.lastRecord', data.period.lastRecord) : '—'} · generated ${timeOf('generatedAt', data.generatedAt)} by <code>tokentrail report</code></p>
<p class="meta">Read: ${figure('records.read', data.records.read)} audit records from ${data.files.map((file, i) => textOf(`files.${i}`, file, 't mono')).join(', ')}${data.records.copies > 0 ? ` (${figure('records.copies', data.records.copies)} repeated copies counted once)` : ''}. Users, tokens, keys and actors appear only as keyed pseudonyms and fingerprints.</p>
${summary}
<section id="trail" class="trail"><h2>The trail's verdict, per stream</h2><p class="question">As <code>tokentrail verify</code> gives it${data.trail.streams.some((s) => s.signaturesChecked) ? ', checkpoint signatures checked against the given key' : ''}: every record chained to the one before it, every checkpoint checked.</p>${verdictSection(data)}</section>
<section class="glance">${stackedBars('Requests with a JWT over time, by outcome (Q2)', q.q2.series, outcomeParts, 'questions.q2.series')}</section>
${sampling}
<nav><ol>${toc}</ol></nav>
${sections}
</main>
</body>
</html>
`;
}
