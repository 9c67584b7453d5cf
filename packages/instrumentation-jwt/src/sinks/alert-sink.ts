/**
 * A detector firing becomes one `jwt.alert` log record (WARN, or ERROR for the detectors that mean a stolen or
 * revoked token is in use), an event of the same name on the current span, and a `jwt.alerts` counter point.
 * An alert carries the evidence counts and pseudonyms only: never a token or a key.
 */
import { SeverityNumber, ValueType, type Context, type Counter, type Meter, type Span } from '@opentelemetry/api';
import type { Firing } from '../detectors/detectors';
import type { DetectorName } from '../detectors/vocabulary';
import type { AuditAttributes } from '../policy/redaction';
import {
  ATTR_JWT_ALERT_COUNT,
  ATTR_JWT_ALERT_NAME,
  ATTR_JWT_ALERT_THRESHOLD,
  ATTR_JWT_ALERT_WINDOW,
  EVENT_JWT_ALERT,
  METRIC_JWT_ALERTS,
} from '../semconv';
import type { AuditLog } from './audit-trail';

/** Detectors whose firing means a token is in hands it should not be in. */
const ERROR_DETECTORS: ReadonlySet<DetectorName> = new Set(['token_replay_multi_ip', 'revoked_token_used']);

export function createAlertCounter(meter: Meter): Counter {
  return meter.createCounter(METRIC_JWT_ALERTS, {
    description: 'Misuse detector firings, by detector.',
    unit: '{alert}',
    valueType: ValueType.INT,
  });
}

export interface AlertTargets {
  readonly log?: AuditLog;
  readonly span?: Span;
  readonly counter?: Counter;
  readonly context: Context;
}

/** `subject`: the pseudonymous fingerprint, user or client address the firing is about. */
export function emitAlert(targets: AlertTargets, firing: Firing, subject: AuditAttributes): void {
  const attributes: AuditAttributes = {
    [ATTR_JWT_ALERT_NAME]: firing.name,
    [ATTR_JWT_ALERT_COUNT]: firing.count,
    [ATTR_JWT_ALERT_THRESHOLD]: firing.threshold,
    [ATTR_JWT_ALERT_WINDOW]: Math.round(firing.windowMs / 1000),
    ...subject,
  };
  const error = ERROR_DETECTORS.has(firing.name);
  targets.counter?.add(1, { [ATTR_JWT_ALERT_NAME]: firing.name });
  if (targets.span?.isRecording()) targets.span.addEvent(EVENT_JWT_ALERT, attributes);
  if (targets.log)
    targets.log.emit({
      eventName: EVENT_JWT_ALERT,
      severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.WARN,
      severityText: error ? 'ERROR' : 'WARN',
      attributes,
      context: targets.context,
    });
}
