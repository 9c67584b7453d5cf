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

const REDACTED = 'REDACTED';
/** Request headers whose every value is a credential: captured on an audited request, they are replaced whole. */
const ALWAYS_WHOLE = ['authorization', 'proxy-authorization', 'cookie'];

function scrub(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Removes the request's credentials from attributes another instrumentation recorded on the server span
 * (`url.query`, captured `http.request.header.*`, …): every occurrence of a credential value becomes
 * `REDACTED`, and captured `Authorization`, `Proxy-Authorization`, `Cookie` and credential headers are replaced whole. Works on SDK spans,
 * whose attributes can be read; returns false when the span's attributes cannot be read.
 */
export function scrubCredentials(span: Span, secrets: readonly string[], headerNames: readonly string[]): boolean {
  const attributes = (span as unknown as { attributes?: Record<string, unknown> }).attributes;
  if (attributes === null || typeof attributes !== 'object') return false;
  const wholeHeaders = new Set([...ALWAYS_WHOLE, ...headerNames].map((name) => `http.request.header.${name.toLowerCase()}`));
  const replaced: AuditAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (wholeHeaders.has(key)) {
      replaced[key] = [REDACTED];
    } else if (typeof value === 'string') {
      const clean = scrub(value, secrets);
      if (clean !== value) replaced[key] = clean;
    } else if (Array.isArray(value) && value.some((v) => typeof v === 'string' && secrets.some((s) => v.includes(s)))) {
      replaced[key] = value.map((v) => (typeof v === 'string' ? scrub(v, secrets) : String(v)));
    }
  }
  if (Object.keys(replaced).length > 0) span.setAttributes(replaced);
  return true;
}
