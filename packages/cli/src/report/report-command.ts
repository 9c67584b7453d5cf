/** `tokentrail report <file…>`: a verified evidence pack over an audit trail, as HTML (and JSON for pipelines). */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXIT, exitStatusHelp, InputError, UsageError, type ExitStatusMeanings } from '../cli-errors';
import { readPublicKey } from '../verify/public-key';
import { buildReportInWorker } from './report-worker';
import { renderHtml } from './report-html';
import { periodOf } from './report-period';
import { formatText } from './report-text';

export const EXIT_STATUS: ExitStatusMeanings = {
  0: 'the trail verifies',
  1: 'it does not, or no audit record was read (the report is still written, marked NOT VERIFIED)',
  2: 'usage error, unreadable file, malformed input, bad public key, or the HTML cannot be written',
};

export const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'public-key': { type: 'string' },
  'allow-open': { type: 'boolean' },
  'allow-redelivered': { type: 'boolean' },
  'from-checkpoint': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REPORT_HELP = `Usage: tokentrail report [options] <file…>

Reads tokentrail audit records from OpenTelemetry log exports (the Collector file exporter's OTLP JSON
lines, or OTLP/JSON request bodies), verifies the trail as tokentrail verify does, and answers the thirteen
auditor questions over a period: one self-contained HTML file (charts included, nothing fetched when it is
opened, printable) and, with --json, the same figures as JSON. Records are read as a stream, in bounded
memory. Records kept by log sampling count with their jwt.sampling.weight.

Options:
  --from TIME        start of the period (ISO 8601, e.g. 2026-11-29T08:00:00Z, or ms since the epoch);
                     the trail is verified whole, the questions are answered over the period
  --to TIME          end of the period (excluded)
  --out FILE         write the HTML report to FILE (default report.html; with --json, only when given)
  --json             print the report as JSON instead of the text summary
  --public-key FILE  Ed25519 public key (SPKI PEM or JWK) the checkpoints must be signed with
  --allow-open       a stream without a closing checkpoint (a process still running) is not a failure
  --allow-redelivered  identical copies of a record (a retried export) are not a failure
  --from-checkpoint  the files hold a window of a longer trail, starting at a checkpoint
  -h, --help         show this help

The first line of the text (and the top of the HTML) says whether the trail verifies.

${exitStatusHelp(EXIT_STATUS)}`;

export async function reportCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    out(REPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('report needs at least one file');
  if (values.out === '') throw new UsageError('--out needs a file name');
  const period = periodOf(values.from, values.to);
  const publicKey = values['public-key'] === undefined ? undefined : readPublicKey(values['public-key']);
  const data = await buildReportInWorker(positionals, period, {
    publicKey,
    allowOpen: values['allow-open'],
    allowRedelivered: values['allow-redelivered'],
    fromCheckpoint: values['from-checkpoint'],
  });
  const target = values.out ?? (values.json ? undefined : 'report.html');
  if (target !== undefined) {
    try {
      await writeFile(target, renderHtml(data));
    } catch (error) {
      throw new InputError(
        `cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  out(values.json ? JSON.stringify(data, null, 2) : formatText(data, target));
  return data.verified ? EXIT.ok : EXIT.found;
}
