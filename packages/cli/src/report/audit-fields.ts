/** The attributes of an audit record the report reads, taken from its canonical entries in one pass. */
import type { CanonicalValue } from '@tokentrail/instrumentation-jwt/audit-trail';
import type { TrailRecord } from '../verify/otlp-records';

export interface AuditFields {
  readonly event: string | undefined;
  readonly timeMs: number;
  /** `jwt.sampling.weight`, 1 when absent: how many records this one stands for. */
  weight: number;
  sampled: boolean;
  service: string | undefined;
  outcome?: string;
  reason?: string;
  claim?: string;
  authz?: string;
  route?: string;
  client?: string;
  user?: string;
  fingerprint?: string;
  previousFingerprint?: string;
  lifecycle?: string;
  lifetime?: number;
  revocationReason?: string;
  revocationActor?: string;
  alertName?: string;
  alertCount?: number;
  alertThreshold?: number;
  alertWindow?: number;
  keyFingerprint?: string;
  kid?: string;
  /** `jwt.operation`: on operation records, and on a `jwt.request` record that carries its request's verify. */
  operation?: string;
  findings: string[];
}

/**
 * Whether the record is a verify's (or decrypt's) one audit record: its own `jwt.verify` record, or the
 * `jwt.request` record that carries it. Every verify leaves exactly one, so each is counted once.
 */
export const isVerification = (fields: AuditFields): boolean =>
  fields.event === 'jwt.verify' ||
  fields.event === 'jwt.decrypt' ||
  (fields.event === 'jwt.request' && (fields.operation === 'verify' || fields.operation === 'decrypt'));

/** Whether the record is a sign's (or encrypt's) audit record. */
export const isSigning = (fields: AuditFields): boolean =>
  fields.event === 'jwt.sign' || fields.event === 'jwt.encrypt';

const text = (value: CanonicalValue): string | undefined => (value?.[0] === 's' ? value[1] : undefined);

function number(value: CanonicalValue): number | undefined {
  if (value?.[0] === 'i') return Number(value[1]);
  if (value?.[0] === 'd') {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(`0x${value[1]}`));
    return view.getFloat64(0);
  }
  return undefined;
}

function texts(value: CanonicalValue): string[] {
  if (value?.[0] === 'a') return value[1].map(text).filter((item): item is string => item !== undefined);
  const single = text(value);
  return single === undefined ? [] : [single];
}

/** Nanoseconds since the epoch, as text → milliseconds. */
export const millisOf = (time: string): number => (time.length > 6 ? Number(time.slice(0, -6)) : 0);

export function auditFields(record: TrailRecord): AuditFields {
  const fields: AuditFields = {
    event: record.eventName,
    timeMs: millisOf(record.time),
    weight: 1,
    sampled: false,
    service: record.service,
    findings: [],
  };
  let path: string | undefined;
  for (const [key, value] of record.attributes) {
    switch (key) {
      case 'jwt.sampling.weight': {
        const weight = number(value);
        if (weight !== undefined && Number.isFinite(weight) && weight > 0) {
          fields.weight = weight;
          fields.sampled = true;
        }
        break;
      }
      case 'jwt.validation.outcome':
        fields.outcome = text(value);
        break;
      case 'jwt.validation.reason':
        fields.reason = text(value);
        break;
      case 'jwt.validation.claim':
        fields.claim = text(value);
        break;
      case 'jwt.authz.outcome':
        fields.authz = text(value);
        break;
      case 'http.route':
        fields.route = text(value);
        break;
      case 'url.path':
        path = text(value);
        break;
      case 'client.address':
        fields.client = text(value);
        break;
      case 'enduser.pseudo.id':
        fields.user = text(value);
        break;
      case 'jwt.token.fingerprint':
        fields.fingerprint = text(value);
        break;
      case 'jwt.token.previous_fingerprint':
        fields.previousFingerprint = text(value);
        break;
      case 'jwt.lifecycle':
        fields.lifecycle = text(value);
        break;
      case 'jwt.token.lifetime':
        fields.lifetime = number(value);
        break;
      case 'jwt.revocation.reason':
        fields.revocationReason = text(value);
        break;
      case 'jwt.revocation.actor':
        fields.revocationActor = text(value);
        break;
      case 'jwt.alert.name':
        fields.alertName = text(value);
        break;
      case 'jwt.alert.count':
        fields.alertCount = number(value);
        break;
      case 'jwt.alert.threshold':
        fields.alertThreshold = number(value);
        break;
      case 'jwt.alert.window':
        fields.alertWindow = number(value);
        break;
      case 'jwt.key.fingerprint':
        fields.keyFingerprint = text(value);
        break;
      case 'jwt.header.kid':
        fields.kid = text(value);
        break;
      case 'jwt.operation':
        fields.operation = text(value);
        break;
      case 'jwt.findings':
        fields.findings = texts(value);
        break;
      default:
    }
  }
  fields.route ??= path;
  return fields;
}
