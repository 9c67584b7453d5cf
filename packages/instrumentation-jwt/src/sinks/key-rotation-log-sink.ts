/** A `jwt.key.rotated` log record when a remote key set's `kid`s changed. */
import { SeverityNumber, type Attributes, type Context, type Logger } from '@opentelemetry/api';
import type { KeyRotation } from '../policy/key-rotation';
import { ATTR_JWT_AUDIT_SEQ, ATTR_JWT_JWKS_KIDS_ADDED, ATTR_JWT_JWKS_KIDS_REMOVED, EVENT_JWT_KEY_ROTATED } from '../semconv';
import { nextAuditSeq } from './audit-sequence';

export function emitKeyRotatedLogRecord(logger: Logger, location: Attributes, rotation: KeyRotation, context: Context): void {
  logger.emit({
    eventName: EVENT_JWT_KEY_ROTATED,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    attributes: {
      ...location,
      [ATTR_JWT_JWKS_KIDS_ADDED]: [...rotation.added],
      [ATTR_JWT_JWKS_KIDS_REMOVED]: [...rotation.removed],
      [ATTR_JWT_AUDIT_SEQ]: nextAuditSeq(),
    },
    context,
  });
}
