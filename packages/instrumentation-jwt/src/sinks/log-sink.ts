/** One `jwt.<operation>` log record per operation, through the OpenTelemetry Logs API. */
import { SeverityNumber } from '@opentelemetry/api';
import type { AuditLog } from './audit-trail';
import type { RecordedOperation } from './recorded-operation';

/** Failures are WARN so that a severity filter keeps them; everything else is INFO. */
export function emitOperationLogRecord(log: AuditLog, { event, attributes, context }: RecordedOperation): void {
  const failed = event.failure !== undefined;
  log.emit({
    eventName: `jwt.${event.operation}`,
    severityNumber: failed ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: failed ? 'WARN' : 'INFO',
    attributes,
    // The operation's own context, so the record's trace and span ids point at the jwt.<operation> span.
    context,
  });
}
