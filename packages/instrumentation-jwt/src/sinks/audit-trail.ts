/**
 * The tamper-evident audit trail: every audit log record this process emits (`jwt.<operation>`,
 * `jwt.request`, `jwt.alert`, `jwt.revoke`, `jwt.key.rotated`) gets `jwt.audit.stream` (random per process start), `jwt.audit.seq` (1, 2, 3, …) and
 * `jwt.audit.chain` (SHA-256 over the previous record's chain and this record's canonical form, see
 * docs/audit-trail.md). Every `checkpointInterval` records, and when {@link AuditTrail.close} is called at
 * shutdown, a `jwt.audit.checkpoint` record states the chain head and count, signed when a key is configured.
 * One hash per record, synchronous, at emit time; only records actually emitted are chained.
 */
import { ROOT_CONTEXT, SeverityNumber, type Logger, type LogRecord } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { checkpointStatement, GENESIS, wellFormed, type CheckpointReason } from '../audit-trail/canonical';
import { RecordTextWriter } from '../audit-trail/canonical-text';
import type { AuditTrailSettings } from '../audit-trail/trail-settings';
import type { AttributeValue, AuditAttributes } from '../policy/redaction';
import {
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

/** An audit record as a sink builds it; the trail adds the timestamp and its own attributes. */
export interface AuditRecord extends Omit<LogRecord, 'attributes' | 'timestamp'> {
  readonly attributes: AuditAttributes;
}

/** Where sinks write audit records: the trail chains each one and hands it to the Logs API. */
export interface AuditLog {
  emit(record: AuditRecord): void;
}

function wellFormedValue(value: AttributeValue): AttributeValue {
  if (typeof value === 'string') return wellFormed(value);
  return Array.isArray(value) ? value.map(wellFormed) : value;
}

const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

function isWellFormedValue(value: AttributeValue | undefined): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (!Array.isArray(value)) return true;
  for (const item of value) if (typeof item === 'string' && !isWellFormed(item)) return false;
  return true;
}

/**
 * A copy of the attributes as any UTF-8 encoder on the way will deliver them (lone surrogates replaced), so the
 * record exported is the record hashed; a plain copy in the usual case where nothing needs replacing.
 */
function wellFormedCopy(attributes: AuditAttributes): AuditAttributes {
  let plain = true;
  for (const key in attributes) {
    if (!isWellFormed(key) || !isWellFormedValue(attributes[key])) {
      plain = false;
      break;
    }
  }
  if (plain) return { ...attributes };
  const copy: AuditAttributes = {};
  for (const key of Object.keys(attributes)) copy[wellFormed(key)] = wellFormedValue(attributes[key]!);
  return copy;
}

/**
 * One audit stream: its random id, sequence, chain head and checkpoint settings. Each JwtInstrumentation owns
 * one, so two instrumentations in one process write two streams that each verify on their own. The logger is
 * read on every record, so a new logger provider applies at once.
 */
export class AuditTrail implements AuditLog {
  readonly stream = randomBytes(16).toString('hex');
  private readonly text = new RecordTextWriter();
  private seq = 0;
  private head = GENESIS;
  private sinceCheckpoint = 0;
  private closed = false;

  constructor(
    private readonly logger: () => Logger,
    private settings: AuditTrailSettings,
  ) {}

  /**
   * New settings from `setConfig`: the stream, its sequence and chain continue; the next checkpoint is due
   * after the new interval and is signed with the new key (or unsigned when the new configuration has none).
   */
  configure(settings: AuditTrailSettings): void {
    this.settings = settings;
  }

  /** Emits one audit record on the chain, and a checkpoint after it when the interval is reached. */
  emit(record: AuditRecord): void {
    this.append(record);
    this.closed = false;
    this.sinceCheckpoint += 1;
    const { checkpointInterval } = this.settings;
    if (checkpointInterval > 0 && this.sinceCheckpoint >= checkpointInterval) this.checkpoint('interval');
  }

  /**
   * Emits the closing checkpoint (`reason` `shutdown`) that seals the trail so far; a no-op when nothing was
   * recorded since the last one. Records emitted later continue the same stream and need another close.
   */
  close(): void {
    if (this.seq === 0 || this.closed) return;
    this.checkpoint('shutdown');
    this.closed = true;
  }

  private append(record: AuditRecord): void {
    const attributes = wellFormedCopy(record.attributes);
    attributes[ATTR_JWT_AUDIT_STREAM] = this.stream;
    attributes[ATTR_JWT_AUDIT_SEQ] = this.seq + 1;
    const timestamp = Date.now();
    const chain = this.text.chainAfter(this.head, this.text.recordText(`${timestamp}000000`, record.body, attributes));
    attributes[ATTR_JWT_AUDIT_CHAIN] = chain;
    this.logger().emit({ ...record, timestamp, attributes });
    this.seq += 1;
    this.head = chain;
  }

  private checkpoint(reason: CheckpointReason): void {
    const { seq, head, stream } = this;
    const attributes: AuditAttributes = {
      [ATTR_JWT_AUDIT_CHECKPOINT_COUNT]: seq,
      [ATTR_JWT_AUDIT_CHECKPOINT_HEAD]: head,
      [ATTR_JWT_AUDIT_CHECKPOINT_REASON]: reason,
    };
    const { signer } = this.settings;
    if (signer) {
      attributes[ATTR_JWT_AUDIT_CHECKPOINT_KEY_ID] = signer.keyId;
      attributes[ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE] = signer.sign(checkpointStatement(stream, seq, head, reason));
    }
    this.sinceCheckpoint = 0;
    this.append({
      eventName: EVENT_JWT_AUDIT_CHECKPOINT,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes,
      context: ROOT_CONTEXT,
    });
  }
}
