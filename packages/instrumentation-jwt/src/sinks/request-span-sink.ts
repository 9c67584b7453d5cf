/**
 * The server span of an audited request: the one instrumentation-http made, or, when no instrumentation
 * handles the server, one tokentrail makes itself (kind SERVER, stable HTTP attributes), so that the outcome
 * always lands on a server span and jwt.* spans have a parent.
 */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AuditAttributes } from '../policy/redaction';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE } from '../semconv';

export function startRequestSpan(tracer: Tracer, attributes: AuditAttributes, parent: Context): Span {
  return tracer.startSpan(String(attributes[ATTR_HTTP_REQUEST_METHOD]), { kind: SpanKind.SERVER, attributes }, parent);
}

/** Ends tokentrail's own server span: route in the name when known, ERROR for 5xx as HTTP conventions say. */
export function endRequestSpan(span: Span, attributes: AuditAttributes, statusCode: number): void {
  try {
    span.setAttributes(attributes);
    const route = attributes[ATTR_HTTP_ROUTE];
    if (typeof route === 'string') span.updateName(`${String(attributes[ATTR_HTTP_REQUEST_METHOD])} ${route}`);
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  } finally {
    span.end();
  }
}
