/**
 * Verifies one stream (docs/audit-trail.md, "Verifying a trail") and names what is wrong: duplicated,
 * deleted, reordered and modified records, checkpoints that do not match, and a tail without a closing
 * checkpoint. Checkpoint signatures are checked by checkpoint-check.ts.
 */
import {
  ATTR_JWT_AUDIT_SEQ,
  GENESIS,
  canonicalRecord,
  nextChain,
  type CanonicalEntry,
} from '@tokentrail/instrumentation-jwt/audit-trail';
import type { TrailRecord } from './otlp-records';

export const PROBLEM_KINDS = [
  'modified',
  'deleted',
  'reordered',
  'duplicated',
  'truncated',
  'checkpoint_mismatch',
  'signature_invalid',
  'signature_missing',
  'window_cut',
  'window_unsigned',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  readonly kind: ProblemKind;
  /** The seq values concerned (for `deleted`, the missing ones, at most {@link MAX_LISTED_SEQS}; the detail names every gap). */
  readonly seqs: number[];
  readonly detail: string;
}

/** Most seq values listed in one problem. */
export const MAX_LISTED_SEQS = 10_000;

/** The records of a stream, one per seq, with what reading them found. */
export interface Positions {
  readonly at: Map<number, TrailRecord>;
  readonly highest: number;
  readonly problems: Problem[];
}

/** Canonical bytes of a record, as if it carried `seq` (its own by default). */
export function canonicalAt(record: TrailRecord, seq = record.seq): Buffer {
  const attributes = record.attributes.map(
    (entry): CanonicalEntry => (entry[0] === ATTR_JWT_AUDIT_SEQ ? [entry[0], ['i', String(seq)]] : entry),
  );
  return canonicalRecord(record.time, record.body, attributes);
}

/** A record that cannot be placed on the chain: it has no seq or chain value. */
export function unplacedProblem(record: TrailRecord): Problem {
  return { kind: 'modified', seqs: [], detail: `record at ${record.at} has no valid jwt.audit.seq or jwt.audit.chain` };
}

/** `seq` read `count` times, at `where`. */
export function duplicatedProblem(seq: number, count: number, where: readonly string[], differs: boolean): Problem {
  return {
    kind: 'duplicated',
    seqs: [seq],
    detail: `seq ${seq} appears ${count} times${differs ? ', with different content' : ''} (${where.join(', ')})`,
  };
}

/** The seq ranges `[first, last]` missing: every gap named, at most {@link MAX_LISTED_SEQS} seqs listed. */
export function deletedProblem(gaps: ReadonlyArray<readonly [number, number]>): Problem {
  const missing: number[] = [];
  for (const [first, last] of gaps)
    for (let seq = first; seq <= last && missing.length < MAX_LISTED_SEQS; seq++) missing.push(seq);
  const listed = gaps.map(([first, last]) => (first === last ? `${first}` : `${first}–${last}`)).join(', ');
  return {
    kind: 'deleted',
    seqs: missing,
    detail: `seq ${listed} missing (the record after a gap cannot be checked against its predecessor)`,
  };
}

/**
 * A stream that does not end with a closing checkpoint: `last` is its highest record (if read), `lastCheckpoint`
 * the count of its highest checkpoint.
 */
export function truncatedProblem(
  highest: number,
  last: { readonly eventName?: string | undefined } | undefined,
  lastCheckpoint: number | undefined,
): Problem {
  const covered =
    lastCheckpoint === undefined
      ? 'no checkpoint covers any record'
      : `the last checkpoint covers seq 1…${lastCheckpoint}`;
  return {
    kind: 'truncated',
    seqs: [highest],
    detail: `no closing checkpoint: the stream ends at seq ${highest}${last ? ` (${last.eventName ?? 'record'})` : ''} and ${covered}; records after it may have been removed (or the process is still running, or crashed)`,
  };
}

function identical(a: TrailRecord, b: TrailRecord): boolean {
  return a.chain === b.chain && canonicalAt(a).equals(canonicalAt(b));
}

/**
 * One record per seq from `from` to `to` (copies reported), and the seqs missing between `from` and the highest.
 * With `allowRedelivered`, identical copies of a record (what an exporter's or a Collector's retry delivers
 * twice) are not a problem; copies that differ always are.
 */
export function positionsOf(
  records: TrailRecord[],
  from = 1,
  allowRedelivered = false,
  to = Number.MAX_SAFE_INTEGER,
): Positions {
  const problems: Problem[] = [];
  const copies = new Map<number, TrailRecord[]>();
  for (const record of records) {
    if (record.seq === undefined || record.chain === undefined) {
      problems.push(unplacedProblem(record));
      continue;
    }
    if (record.seq < from || record.seq > to) continue;
    const list = copies.get(record.seq);
    if (list) list.push(record);
    else copies.set(record.seq, [record]);
  }
  const at = new Map<number, TrailRecord>();
  let highest = 0;
  for (const [seq, list] of copies) {
    highest = Math.max(highest, seq);
    at.set(seq, list[0]!);
    if (list.length > 1) {
      const same = list.every((copy) => identical(copy, list[0]!));
      if (same && allowRedelivered) continue;
      problems.push(
        duplicatedProblem(
          seq,
          list.length,
          list.map((copy) => copy.at),
          !same,
        ),
      );
    }
  }
  // Gaps between the seqs present, as ranges: a forged seq of 2^53 must not make the verifier count to it.
  const gaps: Array<[number, number]> = [];
  let previous = from - 1;
  for (const seq of [...at.keys()].sort((a, b) => a - b)) {
    if (seq > previous + 1) gaps.push([previous + 1, seq - 1]);
    previous = seq;
  }
  if (gaps.length > 0) problems.push(deletedProblem(gaps));
  return { at, highest, problems };
}

interface Link {
  readonly canonical: Buffer;
  readonly chain: string;
}

/** Where a verified window starts: its first record, and the chain value before it (a checkpoint's signed head). */
export interface Anchor {
  readonly seq: number;
  readonly previous: string;
}

/** The chain value the link from `previous` to the record at `seq` should have, or undefined after a gap. */
function recomputed(links: Map<number, Link>, seq: number, anchor?: Anchor): string | undefined {
  const previous = seq === 1 ? GENESIS : seq === anchor?.seq ? anchor.previous : links.get(seq - 1)?.chain;
  const link = links.get(seq);
  return previous === undefined || !link ? undefined : nextChain(previous, link.canonical);
}

function brokenLinks(links: Map<number, Link>, anchor?: Anchor): number[] {
  const broken: number[] = [];
  for (const [seq, link] of links) {
    const expected = recomputed(links, seq, anchor);
    if (expected !== undefined && expected !== link.chain) broken.push(seq);
  }
  return broken.sort((a, b) => a - b);
}

/** Most broken links searched for a record that belongs elsewhere (the search is cubic). */
const MAX_REORDER_SEARCH = 48;

/**
 * Records at broken links that link at another broken position: moved there, keeping their chain value,
 * or with the content of that position. Returns the moves and the links with each record put back.
 */
function findMoves(
  positions: Positions,
  links: Map<number, Link>,
  broken: number[],
): { moves: Array<[number, number]>; restored: Map<number, Link> } {
  const restored = new Map(links);
  const moves: Array<[number, number]> = [];
  if (broken.length < 2 || broken.length > MAX_REORDER_SEARCH) return { moves, restored };
  const predecessors = (target: number) => {
    const candidates = new Set(broken.map((seq) => links.get(seq)!.chain));
    const before = target === 1 ? GENESIS : links.get(target - 1)?.chain;
    if (before !== undefined) candidates.add(before);
    return candidates;
  };
  for (const from of broken) {
    const record = positions.at.get(from)!;
    for (const target of broken) {
      if (target === from) continue;
      const canonical = canonicalAt(record, target);
      const chain = [...predecessors(target)]
        .map((previous) => nextChain(previous, canonical))
        .find((value) => value === record.chain || value === links.get(target)!.chain);
      if (chain !== undefined) {
        moves.push([from, target]);
        restored.set(target, { canonical, chain });
        break;
      }
    }
  }
  return { moves, restored };
}

/** Link checks: moved records named, the rest of the broken links blamed on the record whose content changed. */
export function checkLinks(positions: Positions, anchor?: Anchor): Problem[] {
  const links = new Map<number, Link>();
  for (const [seq, record] of positions.at) links.set(seq, { canonical: canonicalAt(record), chain: record.chain! });
  const { moves, restored } = findMoves(positions, links, brokenLinks(links, anchor));
  const problems: Problem[] = moves.map(([from, to]) => ({
    kind: 'reordered',
    seqs: [from, to],
    detail: `the record at seq ${from} was written as seq ${to}`,
  }));
  const broken = brokenLinks(restored, anchor);
  const isBroken = new Set(broken);
  for (const seq of broken) {
    // A record whose predecessor only had its chain value changed still links after the predecessor's true value.
    const previousTrue = isBroken.has(seq - 1) ? recomputed(restored, seq - 1, anchor) : undefined;
    if (
      previousTrue !== undefined &&
      nextChain(previousTrue, restored.get(seq)!.canonical) === restored.get(seq)!.chain
    )
      continue;
    problems.push({
      kind: 'modified',
      seqs: [seq],
      detail: `seq ${seq} (${positions.at.get(seq)!.at}) does not match its chain value`,
    });
  }
  return problems;
}
