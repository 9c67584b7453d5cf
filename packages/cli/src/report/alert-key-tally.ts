/**
 * What the alert and key records answer: alerts by detector (Q9) and signing keys by service, first and last
 * seen (Q13), from the sign and verify records (a request's verify is on its `jwt.request` record).
 */
import { DETECTORS } from '@tokentrail/instrumentation-jwt/inspection';
import { isSigning, isVerification, type AuditFields } from './audit-fields';
import type { Questions } from './report-model';
import { safeText } from './safe-text';
import { isoTime, rounded, SEPARATOR } from './tally-rows';

/** Alerts listed one by one; more are counted. */
const LISTED = 50;
/** Distinct (service, key, kid) followed; a fleet has a handful. */
export const MAX_KEYS = 1000;

interface KeyUse {
  signs: number;
  verifies: number;
  first: number;
  last: number;
}

export class AlertKeyTally {
  alerts = 0;
  readonly #byName: Record<string, number> = Object.fromEntries(DETECTORS.map((name) => [name, 0]));
  readonly #alerts: Questions['q9']['list']['rows'] = [];
  readonly #keys = new Map<string, KeyUse>();
  #keysComplete = true;
  #rotations = 0;

  add(fields: AuditFields): void {
    if (fields.event === 'jwt.alert') this.#alert(fields);
    if (fields.event === 'jwt.key.rotated') this.#rotations += fields.weight;
    const signs = isSigning(fields);
    const verifies = isVerification(fields);
    if ((signs || verifies) && fields.keyFingerprint !== undefined) {
      const key = [
        fields.service ?? '',
        safeText(fields.keyFingerprint),
        fields.kid === undefined ? '' : safeText(fields.kid),
      ].join(SEPARATOR);
      let use = this.#keys.get(key);
      if (!use) {
        if (this.#keys.size >= MAX_KEYS) {
          this.#keysComplete = false;
          return;
        }
        use = { signs: 0, verifies: 0, first: fields.timeMs, last: fields.timeMs };
        this.#keys.set(key, use);
      }
      if (signs) use.signs += fields.weight;
      else use.verifies += fields.weight;
      use.first = Math.min(use.first, fields.timeMs);
      use.last = Math.max(use.last, fields.timeMs);
    }
  }

  /** Alerts of one detector. */
  alertsNamed(name: string): number {
    return this.#byName[name] ?? 0;
  }

  #alert(fields: AuditFields): void {
    this.alerts += fields.weight;
    const name =
      fields.alertName !== undefined && Object.hasOwn(this.#byName, fields.alertName) ? fields.alertName : undefined;
    if (name) this.#byName[name]! += fields.weight;
    if (this.#alerts.length >= LISTED) return;
    const optional = (value: string | undefined) => (value === undefined ? null : safeText(value));
    this.#alerts.push({
      time: isoTime(fields.timeMs),
      name: safeText(fields.alertName ?? '(unnamed)'),
      fingerprint: optional(fields.fingerprint),
      user: optional(fields.user),
      client: optional(fields.client),
      count: fields.alertCount ?? null,
      threshold: fields.alertThreshold ?? null,
      windowSeconds: fields.alertWindow ?? null,
    });
  }

  q9(): Questions['q9'] {
    const rows = [...this.#alerts].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return {
      alerts: rounded(this.alerts),
      byName: Object.fromEntries(Object.entries(this.#byName).map(([k, v]) => [k, rounded(v)])),
      list: { total: rounded(this.alerts), rows },
    };
  }

  q13(): Questions['q13'] {
    const rows = [...this.#keys]
      .map(([key, use]) => {
        const [service, fingerprint, kid] = key.split(SEPARATOR) as [string, string, string];
        return {
          service: service === '' ? null : safeText(service),
          key: fingerprint,
          kid: kid === '' ? null : kid,
          signs: rounded(use.signs),
          verifies: rounded(use.verifies),
          uses: rounded(use.signs + use.verifies),
          firstSeen: isoTime(use.first),
          lastSeen: isoTime(use.last),
        };
      })
      .sort(
        (a, b) =>
          (a.service ?? '').localeCompare(b.service ?? '') ||
          (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0),
      );
    return { rotations: rounded(this.#rotations), keys: { exact: this.#keysComplete, rows } };
  }
}
