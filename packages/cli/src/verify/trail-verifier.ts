/** Groups audit records by stream and verifies each stream. */
import { ATTR_JWT_AUDIT_CHECKPOINT_HEAD } from '@tokentrail/instrumentation-jwt/audit-trail';
import { checkCheckpoints, isCheckpoint, type PublicKey } from './checkpoint-check';
import { readTrailFile, type TrailRecord } from './otlp-records';
import { checkLinks, positionsOf, type Anchor, type Problem } from './stream-check';

export type { PublicKey } from './checkpoint-check';
export type { TrailRecord } from './otlp-records';
export type { Problem, ProblemKind } from './stream-check';

export interface StreamReport {
  readonly stream: string;
  readonly service: string | undefined;
  /** Distinct seq values read. */
  readonly records: number;
  readonly highest: number;
  /** The first seq verified: 1, or the checkpoint a window starts at. */
  readonly from: number;
  readonly checkpoints: number;
  readonly signed: number;
  /** Ends with a closing checkpoint. */
  readonly sealed: boolean;
  /** Signatures were checked against a public key. */
  readonly signaturesChecked: boolean;
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
  readonly publicKey?: PublicKey;
  /** A stream without a closing checkpoint is still running: not a failure. */
  readonly allowOpen?: boolean;
  /** Identical copies of a record (a retried export delivered twice) are not a problem. */
  readonly allowRedelivered?: boolean;
  /** A stream may start at a checkpoint (a window of a longer trail): the records before it are not required. */
  readonly fromCheckpoint?: boolean;
}

/** The first checkpoint of the records, as the start of a window: its own seq and its stated head. */
function windowAnchor(records: TrailRecord[]): Anchor | undefined {
  let first: TrailRecord | undefined;
  for (const record of records) if (record.seq !== undefined && isCheckpoint(record) && (!first || record.seq < first.seq!)) first = record;
  const head = first?.attributes.find(([key]) => key === ATTR_JWT_AUDIT_CHECKPOINT_HEAD)?.[1];
  return first && head?.[0] === 's' ? { seq: first.seq!, previous: head[1] } : undefined;
}

export function verifyStream(stream: string, records: TrailRecord[], options: VerifyOptions): StreamReport {
  // A stream read from its first record needs no anchor; a window starts at its first checkpoint.
  const fromStart = records.some((record) => record.seq === 1);
  const anchor = options.fromCheckpoint && !fromStart ? windowAnchor(records) : undefined;
  const positions = positionsOf(records, anchor?.seq ?? 1, options.allowRedelivered);
  const problems = [...positions.problems, ...checkLinks(positions, anchor)];
  const summary = checkCheckpoints(stream, positions, options.publicKey, problems);
  if (!summary.sealed && !options.allowOpen) {
    const last = positions.at.get(positions.highest);
    const covered = summary.lastCheckpoint === undefined ? 'no checkpoint covers any record' : `the last checkpoint covers seq 1…${summary.lastCheckpoint}`;
    problems.push({
      kind: 'truncated',
      seqs: [positions.highest],
      detail: `no closing checkpoint: the stream ends at seq ${positions.highest}${last ? ` (${last.eventName ?? 'record'})` : ''} and ${covered}; records after it may have been removed (or the process is still running, or crashed)`,
    });
  }
  return {
    stream,
    service: records.find((record) => record.service !== undefined)?.service,
    records: positions.at.size,
    highest: positions.highest,
    from: anchor?.seq ?? 1,
    ...summary,
    signaturesChecked: options.publicKey !== undefined,
    problems,
    verified: problems.length === 0,
  };
}

export async function verifyFiles(files: string[], options: VerifyOptions): Promise<TrailReport> {
  const streams = new Map<string, TrailRecord[]>();
  const counts = { skipped: 0 };
  for (const file of files) {
    for await (const record of readTrailFile(file, counts)) {
      const list = streams.get(record.stream);
      if (list) list.push(record);
      else streams.set(record.stream, [record]);
    }
  }
  const reports = [...streams].map(([stream, records]) => verifyStream(stream, records, options));
  return { files, streams: reports, otherRecords: counts.skipped, verified: reports.length > 0 && reports.every((report) => report.verified) };
}
