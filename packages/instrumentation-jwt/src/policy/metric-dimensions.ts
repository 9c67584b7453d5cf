/**
 * The attributes a metric point may carry: a fixed allowlist of closed-vocabulary values, so that no token
 * content can grow a time series. An `alg` outside the registered set becomes `_OTHER`; the issuer is a
 * dimension only when the token was issued here or verified against a pinned issuer: a token that merely
 * verifies can still name any issuer (a JWE encrypted to our public key, a JWS checked with its embedded key).
 */
import type { AuditEvent } from '../events/audit-event';
import { REGISTERED_ALGORITHMS } from '../jwt/algorithms';
import {
  ATTR_ERROR_TYPE,
  ATTR_JWT_CLAIMS_ISS,
  ATTR_JWT_HEADER_ALG,
  ATTR_JWT_LIBRARY,
  ATTR_JWT_OPERATION,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
} from '../semconv';
import type { AuditAttributes } from './redaction';

const OTHER = '_OTHER';
const COPIED = [
  ATTR_JWT_OPERATION,
  ATTR_JWT_LIBRARY,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_ERROR_TYPE,
];

export function metricDimensions(event: AuditEvent, attributes: AuditAttributes): AuditAttributes {
  const dimensions: AuditAttributes = {};
  for (const key of COPIED) if (attributes[key] !== undefined) dimensions[key] = attributes[key];
  const alg = attributes[ATTR_JWT_HEADER_ALG];
  if (typeof alg === 'string') dimensions[ATTR_JWT_HEADER_ALG] = REGISTERED_ALGORITHMS.has(alg) ? alg : OTHER;
  const issued = event.outcome === undefined && event.failure === undefined;
  const trusted = issued || (event.outcome === 'valid' && event.checks?.issuer === true);
  const iss = attributes[ATTR_JWT_CLAIMS_ISS];
  if (trusted && typeof iss === 'string') dimensions[ATTR_JWT_CLAIMS_ISS] = iss;
  return dimensions;
}
