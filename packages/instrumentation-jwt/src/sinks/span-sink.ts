/** One `jwt.<operation>` span per operation, a child of the caller's span. */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { JwtLibrary, JwtOperation } from '../events/audit-event';
import { ATTR_JWT_LIBRARY, ATTR_JWT_OPERATION, ATTR_JWT_VALIDATION_REASON } from '../semconv';
import type { JwtOperationInfo, JwtSpanHook } from '../types';
import type { RecordedOperation } from './recorded-operation';

/** `startTime`: ms since the epoch, for a span started once the operation has settled. */
export function startOperationSpan(
  tracer: Tracer,
  operation: JwtOperation,
  library: JwtLibrary,
  parent: Context,
  startTime?: number,
): Span {
  return tracer.startSpan(
    `jwt.${operation}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: { [ATTR_JWT_OPERATION]: operation, [ATTR_JWT_LIBRARY]: library },
      startTime,
    },
    parent,
  );
}

export function operationInfo({ event }: RecordedOperation): JwtOperationInfo {
  return {
    operation: event.operation,
    library: event.library,
    outcome: event.outcome,
    reason: event.failure?.reason,
    claim: event.failure?.claim,
    header: event.header,
    claims: event.claims,
    error: event.error,
  };
}

/**
 * Writes the redacted attributes, marks failures as errors (the status message is the closed-vocabulary
 * reason, never the library's message), runs the user's hook fenced, and ends the span.
 */
export function endOperationSpan(
  span: Span,
  operation: RecordedOperation,
  hook: JwtSpanHook | undefined,
  onHookError: (error: unknown) => void,
): void {
  try {
    span.setAttributes(operation.attributes);
    const { failure } = operation.event;
    if (failure) {
      const reason = operation.attributes[ATTR_JWT_VALIDATION_REASON];
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof reason === 'string' ? reason : failure.errorType });
    }
    if (hook) {
      try {
        const returned: unknown = hook(span, operationInfo(operation));
        // An async hook's rejection must not become the application's unhandled rejection.
        if (returned !== null && typeof (returned as { then?: unknown })?.then === 'function') {
          (returned as PromiseLike<unknown>).then(undefined, onHookError);
        }
      } catch (error) {
        onHookError(error);
      }
    }
  } finally {
    span.end(operation.endTime);
  }
}
