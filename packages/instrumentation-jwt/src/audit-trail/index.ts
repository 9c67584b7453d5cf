/**
 * `@tokentrail/instrumentation-jwt/audit-trail`: what a verifier needs to check a trail the instrumentation
 * wrote — the canonical form, the chain step, the checkpoint statement and the attribute names
 * (docs/audit-trail.md).
 */
export {
  CANONICAL_VERSION,
  CHECKPOINT_REASONS,
  CHECKPOINT_VERSION,
  GENESIS,
  canonicalRecord,
  checkpointStatement,
  compareCodePoints,
  doubleBits,
  nextChain,
  sortEntries,
  wellFormed,
  type CanonicalEntry,
  type CanonicalValue,
} from './canonical';
export { chainAfter, recordText, RecordTextWriter } from './canonical-text';
export { ed25519KeyId } from './signing-key';
export {
  ATTR_JWT_AUDIT_CHAIN,
  ATTR_JWT_AUDIT_CHECKPOINT_COUNT,
  ATTR_JWT_AUDIT_CHECKPOINT_HEAD,
  ATTR_JWT_AUDIT_CHECKPOINT_KEY_ID,
  ATTR_JWT_AUDIT_CHECKPOINT_REASON,
  ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE,
  ATTR_JWT_AUDIT_SEQ,
  ATTR_JWT_AUDIT_STREAM,
  EVENT_JWT_AUDIT_CHECKPOINT,
} from '../semconv';
