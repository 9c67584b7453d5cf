/**
 * The SDK floor of a verify outside any request: a wrapper that emits exactly the SDK objects tokentrail's
 * default configuration emits for one (a `jwt.verify` span with its attributes, a `jwt.verify` log record with
 * the same attributes and the trail's stream, sequence and chain, one `jwt.operation.duration` point), from
 * constants, with no redaction, pseudonym, parsing, findings or chain work: the least any instrumentation
 * emitting them can cost on the OpenTelemetry JS SDK. A rejection or throw is emitted as well, then passed on.
 */
import { context, logs, metrics, trace } from '@opentelemetry/api';

const FINGERPRINT = '0123456789abcdef0123456789abcdef';

export function sdkFloor(verify, library = 'x') {
  const tracer = trace.getTracer('sdk-floor');
  const logger = logs.getLogger('sdk-floor');
  const histogram = metrics.getMeter('sdk-floor').createHistogram('jwt.operation.duration', { unit: 's' });
  const attributes = {
    'jwt.operation': 'verify',
    'jwt.library': library,
    'jwt.validation.outcome': 'valid',
    'jwt.header.alg': 'HS256',
    'jwt.token.fingerprint': FINGERPRINT,
    'jwt.claims.iss': 'https://idp.example',
    'jwt.claims.aud': ['api'],
    'jwt.claims.exp': 1,
    'enduser.pseudo.id': FINGERPRINT,
    'user.roles': ['reader'],
    'jwt.key.fingerprint': FINGERPRINT,
    'jwt.findings': ['missing_jti'],
  };
  const dimensions = {
    'jwt.operation': 'verify',
    'jwt.library': library,
    'jwt.validation.outcome': 'valid',
    'jwt.header.alg': 'HS256',
  };
  let seq = 0;
  return (...args) => {
    const started = performance.now();
    const span = tracer.startSpan('jwt.verify', { attributes: { 'jwt.operation': 'verify', 'jwt.library': library } });
    const finish = () => {
      span.setAttributes(attributes);
      span.end();
      seq += 1;
      logger.emit({
        eventName: 'jwt.verify',
        severityNumber: 9,
        severityText: 'INFO',
        timestamp: Date.now(),
        attributes: {
          ...attributes,
          'jwt.audit.stream': FINGERPRINT,
          'jwt.audit.seq': seq,
          'jwt.audit.chain': FINGERPRINT + FINGERPRINT,
        },
        context: trace.setSpan(context.active(), span),
      });
      histogram.record((performance.now() - started) / 1000, dimensions);
    };
    let result;
    try {
      result = verify(...args);
    } catch (error) {
      finish();
      throw error;
    }
    if (typeof result?.then === 'function') return result.finally(finish);
    finish();
    return result;
  };
}
