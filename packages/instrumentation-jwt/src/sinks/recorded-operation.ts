/** What every sink receives: one operation, already redacted, and where it sits in the trace. */
import type { Context, Span } from '@opentelemetry/api';
import type { AuditEvent } from '../events/audit-event';
import type { AuditAttributes } from '../policy/redaction';

export interface RecordedOperation {
  readonly event: AuditEvent;
  /** Redacted attributes for spans and log records. */
  readonly attributes: AuditAttributes;
  /** The low-cardinality subset for metric points. */
  readonly dimensions: AuditAttributes;
  /** The operation's own span, when spans are emitted. */
  readonly span: Span | undefined;
  /** The context the operation ran in (its span active, when there is one). */
  readonly context: Context;
  /** The context the library was called from. */
  readonly callerContext: Context;
  /** When the library call settled, ms since the epoch: the span ends then even when its record is delivered later. */
  readonly endTime?: number;
  /** Its only findings are its token's, already on an earlier record (log sampling may sample it). */
  readonly findingsCarriedBefore?: boolean;
}
