/** A `jwt.key.rotated` audit log record (on the audit trail) when a remote key set's `kid`s changed. */
import { SeverityNumber, type Context } from '@opentelemetry/api';
import type { KeyRotation } from '../policy/key-rotation';
import type { AuditAttributes } from '../policy/redaction';
import { ATTR_JWT_JWKS_KIDS_ADDED, ATTR_JWT_JWKS_KIDS_REMOVED, EVENT_JWT_KEY_ROTATED } from '../semconv';
import type { AuditLog } from './audit-trail';

export function emitKeyRotatedLogRecord(
  log: AuditLog,
  location: AuditAttributes,
  rotation: KeyRotation,
  context: Context,
): void {
  log.emit({
    eventName: EVENT_JWT_KEY_ROTATED,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    attributes: {
      ...location,
      [ATTR_JWT_JWKS_KIDS_ADDED]: [...rotation.added],
      [ATTR_JWT_JWKS_KIDS_REMOVED]: [...rotation.removed],
    },
    context,
  });
}
