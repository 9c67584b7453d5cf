/**
 * Writes the tables of BENCHMARKS.md from the last run's bench/results/*.json, between the markers
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so the document always shows what was measured.
 * A result file that does not exist leaves its table as it is; so does a section not named, when some are.
 *
 *   node bench/report.mjs [section ...]      (e.g. `hostile` after `node bench/hostile-input.mjs` alone)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const docPath = join(here, '..', 'BENCHMARKS.md');
const number = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value));
const table = (header, rows) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(number).join(' | ')} |`),
  ].join('\n');

const render = {
  auditRecord: ({ node, rounds, records, plainMicros, chainedMicros, chainMicros }) =>
    `${node}, ${rounds} interleaved rounds of ${records.toLocaleString('en-US')} records, median CPU µs per record.\n\n` +
    table(
      ['Plain log record', 'Chained audit record', 'The chain step (difference)'],
      [[plainMicros, chainedMicros, chainMicros]],
    ),
  verify: ({ node, rounds, rows }) =>
    `${node}, ${rounds} interleaved rounds, median operations per CPU-second.\n\n` +
    table(
      [
        'Library',
        'alg',
        'Workload',
        'Bare',
        'Instrumented',
        'Server span only',
        'Hand-written',
        'SDK floor',
        'Instrumented / bare',
        'Instrumented / hand-written',
        'SDK floor / bare',
        'Instrumented / SDK floor',
      ],
      rows.map((r) => [
        r.library,
        r.alg,
        r.workload,
        r.bare,
        r.instrumented,
        r.serverSpanOnly,
        r.handWritten,
        r.sdkFloor,
        r['instrumented/bare'],
        r['instrumented/handWritten'],
        r['sdkFloor/bare'],
        r['instrumented/sdkFloor'],
      ]),
    ),
  http: ({
    node,
    rounds,
    otherRounds,
    seconds,
    connections,
    users,
    rows,
    comparison,
    loadAverage,
    byConnections = [],
    otherApps = {},
    lean,
  }) => {
    const rowsTable = (list) =>
      table(
        ['Configuration', 'Requests', 'req/s (median round)', 'App CPU µs / request', 'p50 ms', 'p99 ms'],
        list.map((r) => [r.name, r.requests, r.rps, r['app CPU µs/request'], r.p50, r.p99]),
      );
    const load = (l) => (l ? `load average ${l.min}–${l.max} (median ${l.median})` : 'load average not recorded');
    const key = (c) => [
      c['tokentrail+http / http requests per CPU-second'],
      c['floor+http / http requests per CPU-second'],
      c['lean tokentrail+http / http requests per CPU-second'],
      c['http added CPU µs/request'],
      c['tokentrail added CPU µs/request'],
      c['tokentrail added / http added'],
      c['added p50 ms (tokentrail)'],
    ];
    const keyHeader = [
      'tokentrail+http / http per CPU-s',
      'floor+http / http per CPU-s',
      'lean / http per CPU-s',
      'http added µs',
      'tokentrail added µs',
      'tokentrail added / http added',
      'added p50 ms',
    ];
    let text =
      `${node}, express 5 + jose HS256, ${rounds} interleaved rounds of ${seconds} s per configuration, ${connections} connections, ${users} users' tokens in turn; ${load(loadAverage)} on 2 cores. Lean: \`${JSON.stringify(lean)}\`.\n\n` +
      rowsTable(rows) +
      '\n\n' +
      table(['Comparison', 'Value'], Object.entries(comparison));
    if (byConnections.length > 1) {
      text +=
        '\n\nexpress 5 + jose HS256 by connection count (each count its own interleaved rounds):\n\n' +
        table(
          ['Connections', ...keyHeader, 'load average (median)'],
          byConnections.map((b) => [b.connections, ...key(b.comparison), b.loadAverage?.median ?? '-']),
        ) +
        '\n\n' +
        byConnections
          .slice(1)
          .map((b) => `${b.connections} connection${b.connections === 1 ? '' : 's'}:\n\n${rowsTable(b.rows)}`)
          .join('\n\n');
    }
    const apps = Object.entries(otherApps);
    if (apps.length > 0) {
      text +=
        `\n\nOther stacks, 8 connections, ${otherRounds} interleaved rounds each:\n\n` +
        table(
          ['Stack', ...keyHeader, 'load average (median)'],
          apps.map(([app, b]) => [app, ...key(b.comparison), b.loadAverage?.median ?? '-']),
        ) +
        '\n\n' +
        apps.map(([app, b]) => `${app}:\n\n${rowsTable(b.rows)}`).join('\n\n');
    }
    return text;
  },
  sdkObjects: ({ node, rounds, count, rows }) =>
    `${node}, ${rounds} interleaved rounds of ${count.toLocaleString('en-US')} objects, median CPU µs per object, batch processors into exporters that discard.\n\n` +
    table(
      ['SDK object', 'CPU µs'],
      rows.map((r) => [r.object, r['CPU µs']]),
    ),
  memory: ({ node, rows }) =>
    `${node}.\n\n${table(
      ['Run', 'Tokens', 'Seconds', 'Heap before (MiB)', 'Heap after (MiB)', 'Retained (MiB)'],
      rows.map((r) => [r.label, r.tokens, r.seconds, r.heapBeforeMiB, r.heapAfterMiB, r.retainedMiB]),
    )}`,
  faults: ({ node, rounds, perRound, concurrency, results }) =>
    `${node}, ${rounds} rounds of ${perRound} requests per collector behaviour (${concurrency} concurrent), behaviours alternating.\n\n` +
    table(
      ['Collector', 'Requests', 'p50 ms', 'p99 ms', 'p50 / healthy', 'p99 / healthy', 'App RSS after (MiB)'],
      results.map((r) => [r.behaviour, r.requests, r.p50Ms, r.p99Ms, r.p50Ratio, r.p99Ratio, r.rssMiB ?? '-']),
    ),
  hostile: ({ node, rounds, seconds, users, rows }) =>
    `${node}, ${rounds} interleaved rounds (HTTP: ${seconds} s per side and workload), median CPU µs per verify or per request; ${users.toLocaleString('en-US')} users. *SDK floor*: the SDK objects tokentrail emits for the same operation, from constants, with no tokentrail code.\n\n` +
    table(
      [
        'Hostile input',
        'Measured on',
        'Without tokentrail (µs)',
        'SDK floor (µs)',
        'With tokentrail (µs)',
        'With / without',
        'SDK floor / without',
        'Target',
        'Met',
      ],
      rows.map((r) => [
        r.workload,
        r.subject,
        r.withoutMicros,
        r.floorMicros ?? '-',
        r.withMicros,
        `${r.ratio}×`,
        r.floorRatio === undefined ? '-' : `${r.floorRatio}×`,
        `≤ ${r.target}×`,
        r.met ? 'yes' : '**no**',
      ]),
    ),
  detectors: (r) =>
    `${r.node}, default thresholds and cap (\`maxKeys\` ${r.maxKeys.toLocaleString('en-US')}).\n\n` +
    table(
      [
        'Tokens',
        'Addresses',
        'Keys held at the end (tokens / addresses that sent an invalid token / subjects)',
        'Retained by the detectors (MiB)',
        'Heap growth since before the flood (MiB)',
        'Feed time (s)',
      ],
      [
        [
          r.tokens,
          r.addresses,
          `${r.keysHeld.tokens.toLocaleString('en-US')} / ${r.keysHeld.addresses.toLocaleString('en-US')} / ${r.keysHeld.subjects.toLocaleString('en-US')}`,
          r.retainedMiB,
          +(r.heapGrowthBytes / 2 ** 20).toFixed(1),
          r.feedSeconds,
        ],
      ],
    ) +
    '\n\nCost, measured alone with keys prepared beforehand:\n\n' +
    table(
      ['Step', 'Per verify'],
      [
        [
          'the detectors: one token use (`token_hammering`, `token_replay_multi_ip`; `failure_burst` for one use in ten)',
          `${(r.nsPerTokenUse / 1000).toFixed(2)} µs`,
        ],
        [
          'everything the findings, lifecycle, revocation and detector work adds to one verify of a repeated token (cached findings and key facts, the denylist, the detectors), sinks discarding',
          `${(r.nsPerVerifyInsight / 1000).toFixed(2)} µs`,
        ],
      ],
    ) +
    `\n\nThrough the instrumentation (jsonwebtoken HS256, spans, log records and metrics on, interleaved rounds with the detectors on and off): ${r.verifyOpsPerSecond.detectorsOn.toLocaleString('en-US')} verifies/s on, ${r.verifyOpsPerSecond.detectorsOff.toLocaleString('en-US')} off; median paired difference ${r.addedMicrosecondsPerVerify} µs per verify, rounds from ${r.addedMicrosecondsPerVerifyRange[0]} to ${r.addedMicrosecondsPerVerifyRange[1]} µs — within the noise of a shared machine; the figures measured alone are the ones to trust.`,
  httpExport: ({ node, rounds, seconds, connections, rows, comparison, delivery }) =>
    `${node}, ${rounds} interleaved rounds of ${seconds} s, ${connections} connections, each exporting configuration to its own sink.\n\n` +
    table(
      ['Configuration', 'req/s (median round)', 'App CPU µs / request', 'p50 ms', 'p99 ms'],
      rows.map((r) => [r.name, r.rps, r['app CPU µs/request'], r.p50, r.p99]),
    ) +
    '\n\n' +
    table(
      ['Comparison', 'Value'],
      Object.entries(comparison).map(([name, value]) => [name, value]),
    ) +
    (delivery
      ? `\n\nDelivered: ${delivery.answered.toLocaleString('en-US')} requests answered by the register's app (warm-up included), ${delivery['jwt.request records at the sink'].toLocaleString('en-US')} distinct \`jwt.request\` records at its sink after SIGTERM → \`server.close\` → \`process.exit\` (at most ${delivery['in flight when runs stopped, at most']} more than answered: requests in flight when a run stopped, which the app still answered).`
      : ''),
  reportSize: (r) =>
    `${r.node}, ${r.records.toLocaleString('en-US')} synthetic audit records (${r.fileMiB.toLocaleString('en-US')} MiB of OTLP JSON lines), one \`tokentrail report\` run in its own process.\n\n` +
    table(
      [
        'Records',
        'Wall time (s)',
        'CPU time (s)',
        'Records per CPU-second',
        'Peak RSS, all threads (MiB)',
        'Limit (MiB)',
        'HTML (KiB)',
      ],
      [[r.records, r.wallSeconds, r.cpuSeconds, r.recordsPerCpuSecond, r.peakRssMiB, r.limitMiB, r.htmlKiB]],
    ) +
    `\n\nVerdict: **${r.verdict.split(':')[0]}** (every record chained to the one before it, every checkpoint checked).`,
};
const files = {
  sdkObjects: 'sdk-objects.json',
  hostile: 'hostile-input.json',
  reportSize: 'report-size.json',
  auditRecord: 'audit-record.json',
  verify: 'verify-overhead.json',
  http: 'http-overhead.json',
  memory: 'memory.json',
  faults: 'fault-latency.json',
  detectors: 'detectors-memory.json',
  httpExport: 'http-export.json',
};

// Sections named on the command line (e.g. `hostile`), or every section with a result file.
const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in files));
if (unknown.length > 0)
  throw new Error(`unknown section ${unknown.join(', ')}; sections: ${Object.keys(files).join(', ')}`);
let doc = readFileSync(docPath, 'utf8');
for (const [name, file] of Object.entries(files).filter(([name]) => only.length === 0 || only.includes(name))) {
  const path = join(here, 'results', file);
  if (!existsSync(path)) continue;
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) throw new Error(`BENCHMARKS.md has no ${open} … ${close} section`);
  doc = `${doc.slice(0, start + open.length)}\n${render[name](JSON.parse(readFileSync(path, 'utf8')))}\n${doc.slice(end)}`;
}
writeFileSync(docPath, doc);
console.log(`BENCHMARKS.md tables written from ${join(here, 'results')}`);
