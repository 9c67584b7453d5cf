/**
 * The two steps the pipeline adds around delivery: the insight (findings, key fingerprint, lifecycle,
 * revocation, detectors) computed once the operation is redacted, and the log sampling decision made just
 * before the log record sink, so a sampled-out record never takes a `jwt.audit.seq`.
 */
import { addInsight, type RequestView } from './operation-insight';
import type { PipelineHost } from './pipeline-host';
import { logSampleWeight } from '../policy/log-sampling';
import { ATTR_JWT_FINDINGS, ATTR_JWT_SAMPLING_WEIGHT } from '../semconv';
import type { AuditLog } from '../sinks/audit-trail';
import { emitOperationLogRecord } from '../sinks/log-sink';
import type { RecordedOperation } from '../sinks/recorded-operation';

/** Adds the insight, fenced; a promise when delivery must wait for an asynchronous revocation check. */
export function insight(host: PipelineHost, recorded: RecordedOperation, request: RequestView | undefined): Promise<void> | undefined {
  const { settings } = host;
  // Findings, lifecycle and alerts are written to spans, log records and metrics: with all three off, none is computed.
  if (!settings.emitSpans && !settings.emitLogRecords && !settings.emitMetrics) return undefined;
  try {
    return addInsight(host, recorded, request);
  } catch (error) {
    host.diag.error('internal error computing findings; the operation is recorded without them', error);
    return undefined;
  }
}

/** Emits the operation's log record unless sampling drops it: failures and records with findings are always kept. */
export function emitSampledOperationLogRecord(log: AuditLog, recorded: RecordedOperation, ratio: number): void {
  const alwaysKept = recorded.event.failure !== undefined || recorded.attributes[ATTR_JWT_FINDINGS] !== undefined;
  const weight = logSampleWeight(ratio, alwaysKept);
  if (weight === undefined) return;
  emitOperationLogRecord(log, weight === 1 ? recorded : { ...recorded, attributes: { ...recorded.attributes, [ATTR_JWT_SAMPLING_WEIGHT]: weight } });
}
