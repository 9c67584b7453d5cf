/**
 * What the documentation says each scripted request leaves behind, written from docs/semantic-conventions.md,
 * docs/findings.md and docs/detectors.md: the server span's jwt.* attributes, the operations and findings that
 * the metrics count, and the traces the shipped tail-sampling policy must keep. The checks compare the real
 * backends' answers with these.
 */

/** The documented attributes of a request's server span, by the kind of request the script sent. */
const REQUEST = {
  valid: { outcome: 'valid', authz: 'allowed' },
  revoke: { outcome: 'valid', authz: 'allowed' },
  replay: { outcome: 'valid', authz: 'allowed' },
  revoked: { outcome: 'valid', authz: 'allowed', findings: ['revoked_token_accepted'] },
  denied: { outcome: 'valid', authz: 'denied' },
  unverified: { outcome: 'unverified', authz: 'allowed', requestFindings: ['unverified_bearer'] },
  expired: { outcome: 'invalid', authz: 'rejected', reason: 'expired', claim: 'exp' },
  tampered: { outcome: 'invalid', authz: 'rejected', reason: 'signature_invalid' },
};

/** The JWT operations one request performs (what jwt.operation.duration and jwt.findings count). */
export function operationsOf(trace) {
  const koa = trace.service === 'orders-api-koa';
  const alg = koa ? 'HS256' : 'RS256';
  // Every koa sign and verify uses the weak secret (hmac_key_weak); its verify pins no audience (aud_not_checked).
  const keyFindings = koa ? ['hmac_key_weak'] : [];
  if (trace.kind === 'sign') return [{ operation: 'sign', alg, findings: keyFindings }];
  const request = REQUEST[trace.kind];
  if (request.outcome === 'unverified') return [{ operation: 'decode', alg, outcome: 'unverified', findings: [] }];
  const findings = [...keyFindings, ...(koa ? ['aud_not_checked'] : []), ...(request.findings ?? [])];
  return [{ operation: 'verify', alg, outcome: request.outcome, reason: request.reason, findings }];
}

/** The documented server span of a request: outcome, authorization outcome, reason, claim. */
export const serverSpanOf = (trace) => (trace.kind === 'sign' ? undefined : REQUEST[trace.kind]);

/** Findings counted by jwt.findings for one request: its operations' and the request's own. */
export function findingsOf(trace) {
  return [...operationsOf(trace).flatMap((op) => op.findings), ...(serverSpanOf(trace)?.requestFindings ?? [])];
}

/**
 * The tail-sampling policy's promise (examples/deploy/otel-collector.yaml): traces with an invalid or unverified
 * token, a high or critical finding, a refused authorization, an alert or a revocation are all kept.
 */
export function mustKeep(trace, { highFindings }) {
  const span = serverSpanOf(trace);
  if (span && ['invalid', 'unverified'].includes(span.outcome)) return true;
  if (span && ['rejected', 'denied', 'error'].includes(span.authz)) return true;
  if (trace.alerts?.length || trace.kind === 'revoke') return true;
  return findingsOf(trace).some((finding) => highFindings.includes(finding));
}
