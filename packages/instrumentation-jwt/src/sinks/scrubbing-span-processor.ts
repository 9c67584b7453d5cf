/**
 * The span processor that keeps a request's secrets out of every span of that request, whoever made the span
 * (instrumentation-http's server span with its `url.path`, `url.query` and captured headers, a framework's
 * spans, tokentrail's own): as each span ends (`SpanProcessor#onEnding`, SDK 3), any attribute value, span
 * event attribute, status message or name holding one of the request's secret forms gets them replaced by
 * `REDACTED`, and captured credential headers are replaced whole. Running as the span ends, it also covers the
 * spans that end early (a handler that throws, a response that errors, an aborted request).
 *
 * It needs only public SDK means: `onStart` ties a span to the request whose flow starts it, `onEnding` gets
 * the SDK span (attributes readable, still writable). `onEnding` is marked experimental in sdk-trace 3.1.
 */
import type { AttributeValue, Attributes, Context, DiagLogger, Span, SpanStatus } from '@opentelemetry/api';
import { REDACTED, scrubText, scrubValue, type RequestSecrets } from '../policy/request-secrets';

/** What `onEnding` receives from the SDK: a live span whose recorded data is readable. */
export interface EndingSpan extends Span {
  readonly name: string;
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{ readonly attributes?: Attributes }>;
  readonly status: SpanStatus;
}

/** Where the processor finds the secrets of the request a span belongs to. */
export interface SpanSecretSource {
  /** The secrets of the request whose asynchronous flow is running, when it carried any. */
  current(): RequestSecrets | undefined;
  /** The secrets tied to a span when it started (tokentrail's own server span, a server span whose request verified a token). */
  of(span: object): RequestSecrets | undefined;
  readonly diag: DiagLogger;
}

const HEADER_PREFIX = 'http.request.header.';

function scrubAttributes(
  attributes: Attributes,
  secrets: RequestSecrets,
  set: (key: string, value: AttributeValue) => void,
): void {
  const forms = secrets.forms();
  for (const key in attributes) {
    if (key.startsWith(HEADER_PREFIX) && secrets.isWholeHeader(key.slice(HEADER_PREFIX.length))) {
      set(key, [REDACTED]);
      continue;
    }
    const clean = scrubValue(attributes[key], forms);
    if (clean !== undefined) set(key, clean);
  }
}

/** Scrubs one ending span in place. */
function scrubSpan(span: EndingSpan, secrets: RequestSecrets): void {
  scrubAttributes(span.attributes, secrets, (key, value) => span.setAttribute(key, value));
  for (const event of span.events) {
    const attributes = event.attributes as Record<string, AttributeValue | undefined> | undefined;
    if (attributes) scrubAttributes(attributes, secrets, (key, value) => (attributes[key] = value));
  }
  const forms = secrets.forms();
  const name = scrubText(span.name, forms);
  if (name !== span.name) span.updateName(name);
  const message = span.status.message;
  if (message !== undefined) {
    const clean = scrubText(message, forms);
    if (clean !== message) span.setStatus({ ...span.status, message: clean });
  }
}

/**
 * A span processor (structurally `SpanProcessor` of `@opentelemetry/sdk-trace` 3.1) to add to the tracer
 * provider next to the exporting one; made by `JwtInstrumentation#spanProcessor()`.
 */
export class JwtSpanProcessor {
  private readonly requests = new WeakMap<object, RequestSecrets>();

  constructor(private readonly source: SpanSecretSource) {}

  onStart(span: Span, _parentContext: Context): void {
    try {
      const secrets = this.source.current();
      if (secrets !== undefined) this.requests.set(span, secrets);
    } catch (error) {
      this.source.diag.error(
        'internal error tying a span to its request; it will be scrubbed only if the request is known later',
        error,
      );
    }
  }

  onEnding(span: Span): void {
    try {
      const secrets = this.requests.get(span) ?? this.source.of(span);
      if (secrets !== undefined) scrubSpan(span as EndingSpan, secrets);
    } catch (error) {
      this.source.diag.error(
        'internal error scrubbing an ending span; its attributes may hold a request credential',
        error,
      );
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
