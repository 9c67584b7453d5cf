/** One `jwt.jwks.fetch` span per key-set lookup, a child of the operation (or request) that made it. */
import { SpanKind, SpanStatusCode, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { SPAN_JWT_JWKS_FETCH } from '../semconv';

export function emitKeySetSpan(
  tracer: Tracer,
  parent: Context,
  attributes: Attributes,
  startTime: number,
  endTime: number,
  failure?: string,
): void {
  const span = tracer.startSpan(SPAN_JWT_JWKS_FETCH, { kind: SpanKind.INTERNAL, attributes, startTime }, parent);
  if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  span.end(endTime);
}
