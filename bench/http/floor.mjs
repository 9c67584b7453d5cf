/**
 * The floor of one audited request: exactly the SDK objects tokentrail emits for an authenticated request
 * whose verify succeeds, from constants, with no redaction, policy or chain work. On instrumentation-http's
 * server span, the request's JWT attributes (one setAttributes); one `jwt.request` log record carrying the
 * verify and the request, with the trail's stream, seq and chain; one `jwt.operation.duration` point. The app
 * calls `globalThis.benchFloor()` once per request, from inside the handler (the server span active).
 */
import { context, logs, metrics, SeverityNumber, trace } from '@opentelemetry/api';

const logger = logs.getLogger('@tokentrail/instrumentation-jwt');
const histogram = metrics
  .getMeter('@tokentrail/instrumentation-jwt')
  .createHistogram('jwt.operation.duration', { unit: 's' });
const FINGERPRINT = '0123456789abcdef0123456789abcdef';
const SPAN_ATTRIBUTES = {
  'jwt.validation.outcome': 'valid',
  'enduser.pseudo.id': FINGERPRINT,
  'jwt.claims.iss': 'https://idp.example',
  'jwt.token.fingerprint': FINGERPRINT,
  'jwt.token.source': 'header',
  'jwt.authz.outcome': 'allowed',
};
const RECORD_ATTRIBUTES = {
  'http.request.method': 'GET',
  'url.path': '/orders',
  'url.scheme': 'http',
  'client.address': '127.0.0.1',
  'network.peer.address': '127.0.0.1',
  'network.peer.port': 40000,
  'server.port': 3000,
  'user_agent.original': 'autocannon',
  'http.response.status_code': 200,
  'http.route': '/orders',
  ...SPAN_ATTRIBUTES,
  'jwt.operation': 'verify',
  'jwt.library': 'jose',
  'jwt.header.alg': 'HS256',
  'jwt.claims.aud': ['orders-api'],
  'jwt.claims.exp': 1,
  'jwt.claims.scope': ['orders:read'],
  'jwt.key.fingerprint': FINGERPRINT,
  'jwt.findings': ['missing_jti'],
};
const DIMENSIONS = {
  'jwt.operation': 'verify',
  'jwt.library': 'jose',
  'jwt.validation.outcome': 'valid',
  'jwt.header.alg': 'HS256',
};
let seq = 0;

globalThis.benchFloor = () => {
  const started = performance.now();
  const active = context.active();
  trace.getSpan(active)?.setAttributes(SPAN_ATTRIBUTES);
  seq += 1;
  logger.emit({
    eventName: 'jwt.request',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    timestamp: Date.now(),
    context: active,
    attributes: {
      ...RECORD_ATTRIBUTES,
      'jwt.audit.stream': FINGERPRINT,
      'jwt.audit.seq': seq,
      'jwt.audit.chain': FINGERPRINT + FINGERPRINT,
    },
  });
  histogram.record((performance.now() - started) / 1000, DIMENSIONS);
};
