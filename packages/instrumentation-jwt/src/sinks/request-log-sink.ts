/** One `jwt.request` log record per audited request: its HTTP context and its JWT outcome. */
import { SeverityNumber, type Context } from '@opentelemetry/api';
import type { AuditAttributes } from '../policy/redaction';
import { EVENT_JWT_REQUEST } from '../semconv';
import type { AuditLog } from './audit-trail';

/** WARN when the token was refused, the request was refused, or a finding was raised; INFO otherwise. */
export function emitRequestLogRecord(
  log: AuditLog,
  attributes: AuditAttributes,
  concerning: boolean,
  context: Context,
): void {
  log.emit({
    eventName: EVENT_JWT_REQUEST,
    severityNumber: concerning ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: concerning ? 'WARN' : 'INFO',
    attributes,
    context,
  });
}
