/** One `jwt.request` log record per audited request: its HTTP context and its JWT outcome. */
import { SeverityNumber, type Context, type Logger } from '@opentelemetry/api';
import type { AuditAttributes } from '../policy/redaction';
import { ATTR_JWT_AUDIT_SEQ, EVENT_JWT_REQUEST } from '../semconv';
import { nextAuditSeq } from './audit-sequence';

/** WARN when the token was refused, the request was refused, or a finding was raised; INFO otherwise. */
export function emitRequestLogRecord(logger: Logger, attributes: AuditAttributes, concerning: boolean, context: Context): void {
  logger.emit({
    eventName: EVENT_JWT_REQUEST,
    severityNumber: concerning ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: concerning ? 'WARN' : 'INFO',
    attributes: { ...attributes, [ATTR_JWT_AUDIT_SEQ]: nextAuditSeq() },
    context,
  });
}
