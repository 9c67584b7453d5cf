/**
 * The two steps the pipeline adds around delivery: the insight (findings, key fingerprint, lifecycle,
 * revocation, detectors) computed once the operation is redacted, and the log sampling decision made just
 * before the log record sink, so a sampled-out record never takes a `jwt.audit.seq`.
 */
import { operationInsight, type Insight, type RequestView } from './operation-insight';
import type { PipelineHost } from './pipeline-host';
import { logSampleWeight } from '../policy/log-sampling';
import { recordAttributes } from '../policy/record-attributes';
import { ATTR_JWT_FINDINGS, ATTR_JWT_SAMPLING_WEIGHT } from '../semconv';
import type { AuditLog } from '../sinks/audit-trail';
import { emitOperationLogRecord } from '../sinks/log-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';

/**
 * What the insight adds, fenced: a new attribute set (undefined when it is off or failed), or a promise of it
 * when delivery must wait for an asynchronous revocation check.
 */
export function insight(
  host: PipelineHost,
  recorded: RecordedOperation,
  request: RequestView | undefined,
): Insight | Promise<Insight> | undefined {
  const { settings } = host;
  // Findings, lifecycle and alerts are written to spans, log records and metrics: with all three off, none is computed.
  if (!settings.emitSpans && !settings.emitLogRecords && !settings.emitMetrics) return undefined;
  try {
    return operationInsight(host, recorded, request);
  } catch (error) {
    host.diag.error('internal error computing findings; the operation is recorded without them', error);
    return undefined;
  }
}

/** The operation with what the insight added: a new record, the redacted one unchanged. */
export function withInsight(recorded: RecordedOperation, added: Insight | undefined): RecordedOperation {
  if (added === undefined) return recorded;
  return {
    ...recorded,
    attributes: recordAttributes(recorded.attributes, added.attributes),
    findingsCarriedBefore: added.findingsCarriedBefore,
  };
}

/**
 * Whether sampling must keep the operation's record: failures and records with findings are always kept, except
 * a token's own findings already on an earlier record (the first use of a token with findings is kept).
 */
export function alwaysKept(recorded: RecordedOperation): boolean {
  if (recorded.event.failure !== undefined) return true;
  return recorded.attributes[ATTR_JWT_FINDINGS] !== undefined && recorded.findingsCarriedBefore !== true;
}

/** Emits the operation's log record unless sampling drops it. */
export function emitSampledOperationLogRecord(log: AuditLog, recorded: RecordedOperation, ratio: number): void {
  const weight = logSampleWeight(ratio, alwaysKept(recorded));
  if (weight === undefined) return;
  emitOperationLogRecord(
    log,
    weight === 1
      ? recorded
      : { ...recorded, attributes: recordAttributes(recorded.attributes, { [ATTR_JWT_SAMPLING_WEIGHT]: weight }) },
  );
}
