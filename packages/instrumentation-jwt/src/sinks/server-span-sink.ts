/**
 * Copies a verify's result onto the HTTP server span that encloses it, found through the RPC metadata that
 * instrumentation-http keeps in context, so a request can be searched by outcome or pseudonymous user.
 */
import { getRPCMetadata } from '@opentelemetry/core';
import {
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_JWT_CLAIMS_ISS,
  ATTR_JWT_TOKEN_FINGERPRINT,
  ATTR_JWT_VALIDATION_CLAIM,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_USER_ROLES,
} from '../semconv';
import type { AuditAttributes } from '../policy/redaction';
import type { RecordedOperation } from './recorded-operation';

const COPIED = [
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_JWT_VALIDATION_CLAIM,
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_USER_ROLES,
  ATTR_JWT_CLAIMS_ISS,
  ATTR_JWT_TOKEN_FINGERPRINT,
];

export function enrichServerSpan({ event, attributes, callerContext }: RecordedOperation): void {
  if (event.operation !== 'verify' && event.operation !== 'decrypt') return;
  const serverSpan = getRPCMetadata(callerContext)?.span;
  if (!serverSpan?.isRecording()) return;
  const copied: AuditAttributes = {};
  for (const key of COPIED) if (attributes[key] !== undefined) copied[key] = attributes[key];
  serverSpan.setAttributes(copied);
}
