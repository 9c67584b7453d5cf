/**
 * The verdict of `tokentrail verify` for one stream, reached while the records stream past: each record is
 * chained to its predecessor as it arrives (records that arrive early wait, up to {@link PENDING_LIMIT}), so a
 * trail of millions of records is checked in bounded memory. A trail in order is checked exactly as
 * `verifyStream` checks it; what `verify` would name as a moved record shows here as the records it broke.
 */
import { ATTR_JWT_AUDIT_CHECKPOINT_HEAD, GENESIS, nextChain } from '@tokentrail/instrumentation-jwt/audit-trail';
import {
  attributeText,
  checkpointFields,
  checkpointProblems,
  isCheckpoint,
  isClosingCheckpoint,
  type PublicKey,
} from '../verify/checkpoint-check';
import type { TrailRecord } from '../verify/otlp-records';
import { publicKeyOf } from '../verify/public-key';
import {
  canonicalAt,
  deletedProblem,
  duplicatedProblem,
  truncatedProblem,
  unplacedProblem,
  type Problem,
} from '../verify/stream-check';
import type { StreamReport, VerifyOptions } from '../verify/trail-verifier';
import { SeqRanges } from './seq-ranges';

/** Records held while an earlier seq has not arrived; beyond this the missing ones are taken as deleted. */
export const PENDING_LIMIT = 20_000;
/** Recent records kept to tell a redelivered copy from a different one. */
const RECENT_LIMIT = 1024;
/** Problems named one by one; more are counted. */
const MAX_PROBLEMS = 1000;

interface Held {
  readonly canonical: Buffer;
  readonly chain: string;
  readonly at: string;
  readonly eventName: string | undefined;
  /** Kept for checkpoints only (their attributes are checked and signed). */
  readonly checkpoint: TrailRecord | undefined;
}

export class StreamingVerifier {
  readonly #stream: string;
  readonly #options: VerifyOptions;
  readonly #publicKey: PublicKey | undefined;
  #service: string | undefined;
  #next = 1;
  #from = 1;
  /** Chain value to link the next record to (the previous record's, GENESIS, or a window's anchor); undefined after a gap. */
  #previousChain: string | undefined = GENESIS;
  /** The previous record's own chain value, for checkpoint heads; undefined when there is no such record. */
  #previousWritten: string | undefined;
  /** What the previous link should have been, and whether it was broken. */
  #previousTrue: string | undefined;
  #previousBroken = false;
  #windowDecided: boolean;
  readonly #pending = new Map<number, Held>();
  readonly #recent = new Map<number, Held>();
  readonly #seenRanges = new SeqRanges();
  readonly #problems: Problem[] = [];
  #moreProblems = 0;
  readonly #gaps: Array<[number, number]> = [];
  readonly #duplicates = new Map<number, { count: number; where: string[]; differs: boolean }>();
  #records = 0;
  #highest = 0;
  #checkpoints = 0;
  #signed = 0;
  #lastCheckpoint: number | undefined;
  #last: Held | undefined;

  constructor(stream: string, options: VerifyOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#publicKey = options.publicKey === undefined ? undefined : publicKeyOf(options.publicKey);
    this.#windowDecided = !options.fromCheckpoint;
  }

  #problem(problem: Problem): void {
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(problem);
    else this.#moreProblems += 1;
  }

  /** Takes one record; false when it repeats a seq already read (a copy, not counted again). */
  accept(record: TrailRecord): boolean {
    this.#service ??= record.service;
    const { seq, chain } = record;
    if (seq === undefined || chain === undefined) {
      this.#problem(unplacedProblem(record));
      return true;
    }
    if (this.#seenRanges.has(seq) || this.#pending.has(seq)) {
      this.#copy(record, seq);
      return false;
    }
    if (seq < this.#from) return true; // before a window's anchor: not part of what is verified
    if (seq === 1) this.#windowDecided = true;
    this.#records += 1;
    this.#highest = Math.max(this.#highest, seq);
    const held: Held = {
      canonical: canonicalAt(record),
      chain,
      at: record.at,
      eventName: record.eventName,
      checkpoint: isCheckpoint(record) ? record : undefined,
    };
    if (seq === this.#next) {
      this.#process(seq, held);
      this.#drain();
    } else if (seq > this.#next) {
      this.#pending.set(seq, held);
      if (this.#pending.size > PENDING_LIMIT) this.#skipGap(false);
    } else {
      this.#seenRanges.add(seq);
      this.#problem({
        kind: 'reordered',
        seqs: [seq],
        detail: `seq ${seq} (${record.at}) arrived after more than ${PENDING_LIMIT.toLocaleString('en-US')} later records`,
      });
    }
    return true;
  }

  #copy(record: TrailRecord, seq: number): void {
    const original = this.#pending.get(seq) ?? this.#recent.get(seq);
    const same =
      original !== undefined && original.chain === record.chain && original.canonical.equals(canonicalAt(record));
    if (same && this.#options.allowRedelivered) return;
    const entry = this.#duplicates.get(seq) ?? { count: 1, where: original ? [original.at] : [], differs: false };
    entry.count += 1;
    if (entry.where.length < 8) entry.where.push(record.at);
    entry.differs ||= original !== undefined && !same;
    if (this.#duplicates.size < MAX_PROBLEMS || this.#duplicates.has(seq)) this.#duplicates.set(seq, entry);
    else this.#moreProblems += 1;
  }

  #process(seq: number, held: Held): void {
    this.#seenRanges.add(seq);
    let expected: string | undefined;
    let broken = false;
    if (this.#previousChain !== undefined) {
      expected = nextChain(this.#previousChain, held.canonical);
      if (expected !== held.chain) {
        broken = true;
        // A record whose predecessor only had its chain value changed still links after the predecessor's true value.
        const onlyPredecessorChanged =
          this.#previousBroken &&
          this.#previousTrue !== undefined &&
          nextChain(this.#previousTrue, held.canonical) === held.chain;
        if (!onlyPredecessorChanged)
          this.#problem({
            kind: 'modified',
            seqs: [seq],
            detail: `seq ${seq} (${held.at}) does not match its chain value`,
          });
      }
    }
    if (held.checkpoint) this.#checkpoint(seq, held.checkpoint);
    this.#previousChain = held.chain;
    this.#previousWritten = held.chain;
    this.#previousTrue = expected;
    this.#previousBroken = broken;
    this.#last = held;
    this.#recent.set(seq, held);
    if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
    this.#next = seq + 1;
  }

  #checkpoint(seq: number, record: TrailRecord): void {
    this.#checkpoints += 1;
    const fields = checkpointFields(record);
    if (fields.signed) this.#signed += 1;
    const { covered } = fields;
    if (Number.isSafeInteger(covered) && covered > (this.#lastCheckpoint ?? -1)) this.#lastCheckpoint = covered;
    // Records are processed in seq order: the one before this checkpoint is the last one processed, if read.
    for (const problem of checkpointProblems(this.#stream, seq, record, fields, this.#previousWritten, this.#publicKey))
      this.#problem(problem);
  }

  #drain(): void {
    for (let held = this.#pending.get(this.#next); held; held = this.#pending.get(this.#next)) {
      this.#pending.delete(this.#next);
      this.#process(this.#next, held);
    }
  }

  /** A window of a longer trail starts at its first checkpoint (verify's `--from-checkpoint`). */
  #anchor(): void {
    this.#windowDecided = true;
    let first: number | undefined;
    for (const [seq, held] of this.#pending) if (held.checkpoint && (first === undefined || seq < first)) first = seq;
    const head =
      first === undefined
        ? undefined
        : attributeText(this.#pending.get(first)!.checkpoint!, ATTR_JWT_AUDIT_CHECKPOINT_HEAD);
    if (first === undefined || head === undefined) return;
    for (const seq of [...this.#pending.keys()]) if (seq < first) this.#pending.delete(seq);
    this.#records = this.#pending.size;
    this.#from = first;
    this.#next = first;
    this.#previousChain = head;
    this.#previousWritten = undefined;
    this.#drain();
  }

  /** The records up to the lowest one waiting are missing: the next link cannot be checked. */
  #skipGap(atEnd: boolean): void {
    if (!this.#windowDecided) {
      this.#anchor();
      if (!atEnd && this.#pending.size <= PENDING_LIMIT) return;
    }
    if (this.#pending.size === 0) return;
    let lowest = Infinity;
    for (const seq of this.#pending.keys()) lowest = Math.min(lowest, seq);
    this.#gaps.push([this.#next, lowest - 1]);
    this.#previousChain = undefined;
    this.#previousWritten = undefined;
    this.#previousTrue = undefined;
    this.#previousBroken = false;
    this.#next = lowest;
    this.#drain();
  }

  finish(): StreamReport {
    while (this.#pending.size > 0) this.#skipGap(true);
    const problems: Problem[] = [];
    for (const [seq, { count, where, differs }] of this.#duplicates)
      problems.push(duplicatedProblem(seq, count, where, differs));
    if (this.#gaps.length > 0) problems.push(deletedProblem(this.#gaps));
    problems.push(...this.#problems);
    if (this.#moreProblems > 0)
      problems.push({
        kind: 'modified',
        seqs: [],
        detail: `${this.#moreProblems.toLocaleString('en-US')} more problems not listed`,
      });
    const last = this.#last;
    const sealed = this.#next - 1 === this.#highest && isClosingCheckpoint(last?.checkpoint);
    if (!sealed && !this.#options.allowOpen) problems.push(truncatedProblem(this.#highest, last, this.#lastCheckpoint));
    const summary = {
      checkpoints: this.#checkpoints,
      signed: this.#signed,
      sealed,
      lastCheckpoint: this.#lastCheckpoint,
    };
    return {
      stream: this.#stream,
      service: this.#service,
      records: this.#records,
      highest: this.#highest,
      from: this.#from,
      ...summary,
      signaturesChecked: this.#options.publicKey !== undefined,
      signaturesFailed: problems.filter((problem) => problem.kind === 'signature_invalid').length,
      problems,
      verified: problems.length === 0,
    };
  }
}
