/** Groups audit records by stream and verifies each stream, or a window of it between two checkpoints. */
import {
  ATTR_JWT_AUDIT_CHECKPOINT_HEAD,
  ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE,
} from '@tokentrail/instrumentation-jwt/audit-trail';
import { attributeText, checkCheckpoints, isCheckpoint } from './checkpoint-check';
import { readTrailFile, type TrailRecord } from './otlp-records';
import { publicKeyOf, type PublicKeyInput } from './public-key';
import { checkLinks, positionsOf, truncatedProblem, type Anchor, type Problem } from './stream-check';

export type { TrailRecord } from './otlp-records';
export type { Problem, ProblemKind } from './stream-check';
export type { PublicKeyInput } from './public-key';
export { PROBLEM_KINDS } from './stream-check';

/** A window of a stream (`fromCheckpoint`): the seq range verified, and the records read outside it. */
export interface WindowReport {
  /** The first seq verified: the checkpoint the window starts at (or 1, when the records start there). */
  readonly from: number;
  /** The last seq verified: the checkpoint the window ends at (with `allowOpen`, possibly a later record). */
  readonly to: number;
  /** Seq ranges `[first, last]` read but outside the window, so not verified. */
  readonly outside: Array<[number, number]>;
}

export interface StreamReport {
  readonly stream: string;
  readonly service: string | undefined;
  /** Distinct seq values verified. */
  readonly records: number;
  readonly highest: number;
  /** The first seq verified: 1, or the checkpoint a window starts at. */
  readonly from: number;
  readonly checkpoints: number;
  readonly signed: number;
  /** Ends with a closing checkpoint. */
  readonly sealed: boolean;
  /** The count of the highest checkpoint (its seq − 1). */
  readonly lastCheckpoint: number | undefined;
  /** Signatures were checked against a public key. */
  readonly signaturesChecked: boolean;
  /** Checkpoint signatures that were checked and do not verify (or name another key). */
  readonly signaturesFailed: number;
  /** With `fromCheckpoint`: the window verified. */
  readonly window?: WindowReport;
  readonly problems: Problem[];
  readonly verified: boolean;
}

export interface TrailReport {
  readonly files: string[];
  readonly streams: StreamReport[];
  /** Log records without `jwt.audit.stream`, not part of any trail. */
  readonly otherRecords: number;
  readonly verified: boolean;
}

export interface VerifyOptions {
  /** The Ed25519 public key the checkpoints must be signed with: a KeyObject, PEM or JWK text, or a file path. */
  readonly publicKey?: PublicKeyInput;
  /** A stream without a closing checkpoint is still running: not a failure. */
  readonly allowOpen?: boolean;
  /** Identical copies of a record (a retried export delivered twice) are not a problem. */
  readonly allowRedelivered?: boolean;
  /**
   * Verify a window of a longer stream: from its first checkpoint (which must be signed) to its last one; records
   * outside the window are named in `window.outside`, not verified. With `allowOpen`, the records after the last
   * checkpoint are verified too.
   */
  readonly fromCheckpoint?: boolean;
}

const seqRanges = (seqs: number[]): Array<[number, number]> => {
  const ranges: Array<[number, number]> = [];
  for (const seq of [...new Set(seqs)].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
};

interface WindowPlan {
  readonly anchor: Anchor | undefined;
  readonly from: number;
  readonly to: number;
  readonly problems: Problem[];
}

/** Where a window starts and ends: its first checkpoint (or seq 1) and its last checkpoint (or, open, its last record). */
function planWindow(records: TrailRecord[], allowOpen: boolean): WindowPlan {
  const checkpoints = records
    .filter((record) => record.seq !== undefined && isCheckpoint(record))
    .sort((a, b) => a.seq! - b.seq!);
  // Not Math.max(...seqs): a trail of millions of records would overflow the argument list.
  const highest = records.reduce((max, record) => Math.max(max, record.seq ?? 0), 0);
  const fromStart = records.some((record) => record.seq === 1);
  const first = fromStart ? undefined : checkpoints[0];
  if (!fromStart && !first) {
    return {
      anchor: undefined,
      from: highest + 1,
      to: highest,
      problems: [
        {
          kind: 'window_cut',
          seqs: [],
          detail:
            'no checkpoint among the records: a window starts at a checkpoint (export from a checkpoint before the period to one after it)',
        },
      ],
    };
  }
  const problems: Problem[] = [];
  let anchor: Anchor | undefined;
  if (first) {
    anchor = { seq: first.seq!, previous: attributeText(first, ATTR_JWT_AUDIT_CHECKPOINT_HEAD) ?? '' };
    if (!first.attributes.some(([key]) => key === ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE)) {
      problems.push({
        kind: 'window_unsigned',
        seqs: [first.seq!],
        detail: `the window starts at checkpoint seq ${first.seq}, which is not signed: nothing vouches for the head it states`,
      });
    }
  }
  const from = first?.seq ?? 1;
  const last = checkpoints[checkpoints.length - 1];
  if (allowOpen) return { anchor, from, to: highest, problems };
  if (!last || (last.seq! <= from && highest > from)) {
    problems.push({
      kind: 'window_cut',
      seqs: [highest],
      detail: `the window ends inside a record run: no checkpoint after seq ${from} covers seq ${from + 1}…${highest} (export up to a later checkpoint, or add --allow-open)`,
    });
    return { anchor, from, to: highest, problems };
  }
  return { anchor, from, to: last.seq!, problems };
}

export function verifyStream(stream: string, records: TrailRecord[], options: VerifyOptions): StreamReport {
  const publicKey = options.publicKey === undefined ? undefined : publicKeyOf(options.publicKey);
  const window = options.fromCheckpoint ? planWindow(records, options.allowOpen === true) : undefined;
  const from = window?.from ?? 1;
  const positions = positionsOf(records, from, options.allowRedelivered, window?.to);
  const problems = [...(window?.problems ?? []), ...positions.problems, ...checkLinks(positions, window?.anchor)];
  const summary = checkCheckpoints(stream, positions, publicKey, problems);
  // A window ends at a checkpoint that vouches for what it covers; a whole stream must end with the closing one.
  if (!window && !summary.sealed && !options.allowOpen)
    problems.push(truncatedProblem(positions.highest, positions.at.get(positions.highest), summary.lastCheckpoint));
  const outside = window
    ? seqRanges(
        records
          .map((record) => record.seq)
          .filter((seq): seq is number => seq !== undefined && (seq < window.from || seq > window.to)),
      )
    : [];
  return {
    stream,
    service: records.find((record) => record.service !== undefined)?.service,
    records: positions.at.size,
    highest: positions.highest,
    from,
    ...summary,
    signaturesChecked: publicKey !== undefined,
    signaturesFailed: problems.filter((problem) => problem.kind === 'signature_invalid').length,
    ...(window ? { window: { from: window.from, to: window.to, outside } } : {}),
    problems,
    verified: problems.length === 0,
  };
}

/** Reads the audit records of OTLP/JSON log export files, in file order; other log records are skipped. */
export async function* readTrailRecords(files: string[]): AsyncGenerator<TrailRecord> {
  const counts = { skipped: 0 };
  for (const file of files) yield* readTrailFile(file, counts);
}

export async function verifyFiles(files: string[], options: VerifyOptions = {}): Promise<TrailReport> {
  const checked = {
    ...options,
    ...(options.publicKey === undefined ? {} : { publicKey: publicKeyOf(options.publicKey) }),
  };
  const streams = new Map<string, TrailRecord[]>();
  const counts = { skipped: 0 };
  for (const file of files) {
    for await (const record of readTrailFile(file, counts)) {
      const list = streams.get(record.stream);
      if (list) list.push(record);
      else streams.set(record.stream, [record]);
    }
  }
  const reports = [...streams].map(([stream, records]) => verifyStream(stream, records, checked));
  return {
    files,
    streams: reports,
    otherRecords: counts.skipped,
    verified: reports.length > 0 && reports.every((report) => report.verified),
  };
}
