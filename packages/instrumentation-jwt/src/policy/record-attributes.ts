/**
 * The one place an audit record's attributes are made: from the parts the record is built of (the redacted
 * operation, what the insight added, the request's HTTP context and outcome, the sampling weight), in order,
 * into a new set. A later part's value wins, except `jwt.findings`, which is the union of every part's. The
 * parts are never changed, so a set handed to one sink stays as it was.
 */
import { mergeFindings, type Finding } from './findings';
import { ATTR_JWT_FINDINGS } from '../semconv';
import type { AuditAttributes } from './redaction';

export function recordAttributes(...parts: ReadonlyArray<Readonly<AuditAttributes> | undefined>): AuditAttributes {
  const attributes: AuditAttributes = {};
  for (const part of parts) {
    if (part === undefined) continue;
    for (const key in part) {
      const value = part[key];
      if (value === undefined) continue;
      const existing = key === ATTR_JWT_FINDINGS ? attributes[key] : undefined;
      attributes[key] =
        Array.isArray(existing) && Array.isArray(value)
          ? mergeFindings(existing as Finding[], value as Finding[])
          : value;
    }
  }
  return attributes;
}
