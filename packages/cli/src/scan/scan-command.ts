/** `tokentrail scan <file|dir…>`: report JWTs leaked into logs, telemetry exports, HAR files or source trees. */
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT, exitStatusHelp, InputError, unreadable, UsageError, type ExitStatusMeanings } from '../cli-errors';
import { filesUnder } from './file-walk';
import { findTokens } from './token-finder';
import { findingOf, fingerprinter, formatFinding, type TokenFinding } from './token-report';

/** Most distinct fingerprints counted by one scan (about 100 bytes each). */
const MAX_DISTINCT_COUNTED = 100_000;

export const EXIT_STATUS: ExitStatusMeanings = {
  0: 'no token found',
  1: 'at least one token found',
  2: 'usage error, unreadable path, or a path with no readable file',
};

/** Names skipped in every walk unless --no-default-excludes is given. */
export const DEFAULT_EXCLUDES: readonly string[] = ['.git'];

export const OPTIONS = {
  exclude: { type: 'string', multiple: true },
  'no-default-excludes': { type: 'boolean' },
  json: { type: 'boolean' },
  stats: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const SCAN_HELP = `Usage: tokentrail scan [options] <file|dir…>

Finds compact JWTs (JWS and JWE) in files and directory trees: logs, telemetry exports, HAR files, source.
A candidate counts only when it has the structure of a token (canonical base64url segments, a JSON header
naming alg, a JSON claims set or a JWE's five parts). Files are streamed, not read whole. For each token it
prints file:line:column, the kind, alg, iss and exp, and a fingerprint — never the token. A symbolic link
given on the command line is followed (and said so on stderr); links inside a directory are not followed.
A path that yields no readable file (an empty directory, a device, only excluded names) is an error.

Options:
  --exclude NAME  also skip files and directories with this name (repeatable); ${DEFAULT_EXCLUDES.join(', ')} is
                  always skipped unless --no-default-excludes is given
  --no-default-excludes
                  do not skip ${DEFAULT_EXCLUDES.join(', ')}
  --json          print the findings as JSON
  --stats         print files, bytes, seconds and peak memory to stderr
  -h, --help      show this help

The fingerprint is the instrumentation's jwt.token.fingerprint when TOKENTRAIL_PSEUDONYM_KEY is set (so a
finding can be matched to telemetry), else sha256: and the first 32 hex digits of the token's SHA-256.

${exitStatusHelp(EXIT_STATUS)}`;

async function scanFile(
  file: string,
  report: (finding: TokenFinding) => void,
  fingerprint: (token: string) => string,
  now: number,
): Promise<number> {
  const input = createReadStream(file, { highWaterMark: 1 << 16 });
  try {
    for await (const found of findTokens(input)) report(findingOf(file, found, fingerprint, now));
  } catch (error) {
    throw unreadable(file, error);
  }
  return input.bytesRead;
}

export async function scanCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    out(SCAN_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('scan needs at least one file or directory');
  const started = performance.now();
  const exclude = new Set([...(values['no-default-excludes'] ? [] : DEFAULT_EXCLUDES), ...(values.exclude ?? [])]);
  const fingerprint = fingerprinter(process.env.TOKENTRAIL_PSEUDONYM_KEY || undefined);
  // Findings are printed as they are found, so memory does not grow with them (only the distinct fingerprints are kept).
  // Distinct fingerprints are counted up to a cap, so a scan of a huge corpus of different tokens stays bounded.
  const distinct = new Set<string>();
  let distinctCapped = false;
  let tokens = 0;
  const report = (finding: TokenFinding) => {
    out(values.json ? `${tokens === 0 ? '' : ','}${JSON.stringify(finding)}` : formatFinding(finding));
    tokens += 1;
    if (distinct.size < MAX_DISTINCT_COUNTED || distinct.has(finding.fingerprint)) distinct.add(finding.fingerprint);
    else distinctCapped = true;
  };
  let files = 0;
  let bytes = 0;
  const now = Date.now();
  if (values.json) out('{"findings":[');
  const empty: string[] = [];
  const followed = (link: string) =>
    process.stderr.write(`scan: ${link} is a symbolic link given on the command line: following it\n`);
  for (const path of positionals) {
    const before = files;
    for await (const file of filesUnder(path, exclude, followed)) {
      files += 1;
      bytes += await scanFile(file, report, fingerprint, now);
    }
    if (files === before) empty.push(path);
  }
  const distinctText = `${distinctCapped ? 'at least ' : ''}${distinct.size}`;
  if (values.json)
    out(
      `],"files":${files},"bytes":${bytes},"tokens":${tokens},"distinct":${distinct.size}${distinctCapped ? ',"distinctCapped":true' : ''}}`,
    );
  else out(`${tokens} tokens (${distinctText} distinct) in ${files} files, ${bytes} bytes`);
  if (values.stats) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `scan: ${files} files, ${bytes} bytes, ${seconds.toFixed(2)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`,
    );
  }
  // A check that read nothing must not pass: a named path with no readable file is an input error.
  if (empty.length > 0)
    throw new InputError(
      `no readable file under ${empty.join(', ')} (an empty directory, not a regular file, or only excluded names)`,
    );
  return tokens > 0 ? EXIT.found : EXIT.ok;
}
