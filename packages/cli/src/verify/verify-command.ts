/** `tokentrail verify <file…>`: recompute the audit trail's chains and report what does not verify. */
import { parseArgs } from 'node:util';
import { EXIT, exitStatusHelp, UsageError, type ExitStatusMeanings } from '../cli-errors';
import { readPublicKey } from './public-key';
import { formatReport } from './report-text';
import { verifyFiles } from './trail-verifier';

export const EXIT_STATUS: ExitStatusMeanings = {
  0: 'every stream verifies',
  1: 'a problem was found, or no audit record was read',
  2: 'usage error, unreadable file, malformed input, bad public key',
};

export const OPTIONS = {
  'public-key': { type: 'string' },
  'allow-open': { type: 'boolean' },
  'allow-redelivered': { type: 'boolean' },
  'from-checkpoint': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const VERIFY_HELP = `Usage: tokentrail verify [options] <file…>

Verifies tokentrail audit trails in OpenTelemetry log exports: the Collector file exporter's OTLP JSON lines,
or OTLP/JSON request bodies. Records are grouped by jwt.audit.stream; every chain is recomputed, and the
report names modified, deleted, reordered and duplicated records, checkpoints that do not match, streams
without a closing checkpoint (truncated), bad checkpoint signatures, and windows that do not start
and end at checkpoints (window_cut) or start at an unsigned one (window_unsigned).

Options:
  --public-key FILE  Ed25519 public key (SPKI PEM or JWK) the checkpoints must be signed with
  --allow-open       a stream without a closing checkpoint (a process still running) is not a failure
  --allow-redelivered  identical copies of a record (an export retried and delivered twice) are not a
                     failure; copies with different content still are
  --from-checkpoint  verify a window of a longer trail: from its first checkpoint (which must be
                     signed; with --public-key its signature anchors the window) to its last one;
                     records outside the window are named, not verified
  --json             print the report as JSON
  -h, --help         show this help

${exitStatusHelp(EXIT_STATUS)}`;

export async function verifyCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    out(VERIFY_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('verify needs at least one file');
  const publicKey = values['public-key'] === undefined ? undefined : readPublicKey(values['public-key']);
  const report = await verifyFiles(positionals, {
    publicKey,
    allowOpen: values['allow-open'],
    allowRedelivered: values['allow-redelivered'],
    fromCheckpoint: values['from-checkpoint'],
  });
  out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.verified ? EXIT.ok : EXIT.found;
}
