/**
 * Checkpoints of one stream: each must state the head it follows, its signature must verify with the given
 * public key, and the stream must end with a closing (`shutdown`) checkpoint to be known complete.
 */
import { verify, type KeyObject } from 'node:crypto';
import {
  ATTR_JWT_AUDIT_CHECKPOINT_COUNT,
  ATTR_JWT_AUDIT_CHECKPOINT_HEAD,
  ATTR_JWT_AUDIT_CHECKPOINT_KEY_ID,
  ATTR_JWT_AUDIT_CHECKPOINT_REASON,
  ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE,
  EVENT_JWT_AUDIT_CHECKPOINT,
  checkpointStatement,
  type CanonicalValue,
} from '@tokentrail/instrumentation-jwt/audit-trail';
import type { TrailRecord } from './otlp-records';
import type { Positions, Problem } from './stream-check';

export interface PublicKey {
  readonly key: KeyObject;
  readonly keyId: string;
}

export interface CheckpointSummary {
  readonly checkpoints: number;
  readonly signed: number;
  /** The highest record is a `shutdown` checkpoint. */
  readonly sealed: boolean;
  /** The count of the highest checkpoint. */
  readonly lastCheckpoint: number | undefined;
}

function attribute(record: TrailRecord, name: string): CanonicalValue | undefined {
  return record.attributes.find(([key]) => key === name)?.[1];
}

/** A string attribute of the record, if it has one under `name`. */
export function attributeText(record: TrailRecord, name: string): string | undefined {
  const value = attribute(record, name);
  return value?.[0] === 's' ? value[1] : undefined;
}

const text = attributeText;

export function isCheckpoint(record: TrailRecord): boolean {
  return (
    record.eventName === EVENT_JWT_AUDIT_CHECKPOINT || attribute(record, ATTR_JWT_AUDIT_CHECKPOINT_COUNT) !== undefined
  );
}

/** An Ed25519 signature in base64url without padding: exactly 86 characters, nothing a lax decoder would skip. */
const SIGNATURE = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export function signatureProblem(
  record: TrailRecord,
  seq: number,
  statement: Buffer,
  publicKey: PublicKey,
): Problem | undefined {
  const signature = text(record, ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE);
  if (signature === undefined)
    return { kind: 'signature_missing', seqs: [seq], detail: `checkpoint seq ${seq} is not signed` };
  const keyId = text(record, ATTR_JWT_AUDIT_CHECKPOINT_KEY_ID);
  const valid =
    SIGNATURE.test(signature) && verify(null, statement, publicKey.key, Buffer.from(signature, 'base64url'));
  if (valid && keyId === publicKey.keyId) return undefined;
  if (valid)
    return {
      kind: 'signature_invalid',
      seqs: [seq],
      detail: `checkpoint seq ${seq}: the signature verifies but the record names key ${keyId ?? '(none)'}, not ${publicKey.keyId}`,
    };
  const which =
    keyId !== undefined && keyId !== publicKey.keyId
      ? ` (it names key ${keyId}; the given key is ${publicKey.keyId})`
      : '';
  return {
    kind: 'signature_invalid',
    seqs: [seq],
    detail: `checkpoint seq ${seq}: signature does not verify with the given public key${which}`,
  };
}

/** What a checkpoint record states: the count it covers (as written, and as a number), its head and reason. */
export interface CheckpointFields {
  readonly countText: string;
  /** NaN when the count is missing or not an integer. */
  readonly covered: number;
  readonly head: string;
  readonly reason: string;
  readonly signed: boolean;
}

export function checkpointFields(record: TrailRecord): CheckpointFields {
  const count = attribute(record, ATTR_JWT_AUDIT_CHECKPOINT_COUNT);
  const countText = count?.[0] === 'i' ? count[1] : '';
  return {
    countText,
    covered: countText === '' ? Number.NaN : Number(countText),
    head: text(record, ATTR_JWT_AUDIT_CHECKPOINT_HEAD) ?? '',
    reason: text(record, ATTR_JWT_AUDIT_CHECKPOINT_REASON) ?? '',
    signed: text(record, ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE) !== undefined,
  };
}

/**
 * What is wrong with the checkpoint at `seq`: a count or head that is not the record before it (`coveredChain`:
 * the chain value of the record its count names, when that record was read), and, with a public key, its
 * signature.
 */
export function checkpointProblems(
  stream: string,
  seq: number,
  record: TrailRecord,
  fields: CheckpointFields,
  coveredChain: string | undefined,
  publicKey: PublicKey | undefined,
): Problem[] {
  const { countText, covered, head, reason } = fields;
  const problems: Problem[] = [];
  if (
    covered !== seq - 1 ||
    (coveredChain !== undefined && coveredChain !== head) ||
    (covered === 0 && head !== '0'.repeat(64))
  ) {
    problems.push({
      kind: 'checkpoint_mismatch',
      seqs: [seq],
      detail: `checkpoint seq ${seq} states count ${countText || '?'} and a head that is not the chain value of seq ${seq - 1}`,
    });
  }
  if (publicKey) {
    const problem = signatureProblem(record, seq, checkpointStatement(stream, countText, head, reason), publicKey);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Whether the record is the closing (`shutdown`) checkpoint that seals a stream. */
export const isClosingCheckpoint = (record: TrailRecord | undefined): boolean =>
  record !== undefined && isCheckpoint(record) && text(record, ATTR_JWT_AUDIT_CHECKPOINT_REASON) === 'shutdown';

export function checkCheckpoints(
  stream: string,
  positions: Positions,
  publicKey: PublicKey | undefined,
  problems: Problem[],
): CheckpointSummary {
  let checkpoints = 0;
  let signed = 0;
  let lastCheckpoint: number | undefined;
  for (const [seq, record] of positions.at) {
    if (!isCheckpoint(record)) continue;
    checkpoints += 1;
    const fields = checkpointFields(record);
    if (fields.signed) signed += 1;
    if (Number.isSafeInteger(fields.covered) && fields.covered > (lastCheckpoint ?? -1))
      lastCheckpoint = fields.covered;
    const coveredChain = positions.at.get(fields.covered)?.chain;
    problems.push(...checkpointProblems(stream, seq, record, fields, coveredChain, publicKey));
  }
  return { checkpoints, signed, sealed: isClosingCheckpoint(positions.at.get(positions.highest)), lastCheckpoint };
}
