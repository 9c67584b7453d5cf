/**
 * What `inspect` reports: the header and claims as the instrumentation would export them (or raw with
 * `--reveal`, never the signature), the findings of the instrumentation's policy with their severity, and the
 * verification outcome if a key was given.
 */
import {
  FINDING_SEVERITY,
  SEVERITIES,
  redact,
  tokenFindings,
  type AuditAttributes,
  type FindingSeverity,
  type FindingsPolicy,
  type JsonObject,
} from '@tokentrail/instrumentation-jwt/inspection';
import type { TokenInput } from './token-input';
import type { Verification } from './token-verification';

export interface InspectionReport {
  /** Always true for the header and claims shown: they were decoded, not trusted. */
  readonly decodedWithoutVerification: true;
  readonly kind: 'jws' | 'jwe';
  /** The attributes the instrumentation would export for this token. */
  readonly attributes: AuditAttributes;
  /** Header members and claims that the redaction policy does not export (names only, unless revealed). */
  readonly withheld: { readonly header: string[]; readonly claims: string[] };
  /** With `--reveal`: the raw header and claims (never the signature). */
  readonly revealed?: { readonly header: JsonObject; readonly claims?: JsonObject };
  readonly findings: Array<{ readonly name: string; readonly severity: FindingSeverity }>;
  readonly verification: Verification | 'not_verified';
}

const EXPORTED_HEADER = new Set(['alg', 'kid', 'typ']);

export function inspectToken(
  input: TokenInput,
  claims: JsonObject | undefined,
  verification: Verification | undefined,
  policies: { redaction: Parameters<typeof redact>[1]; findings: FindingsPolicy },
  reveal: boolean,
): InspectionReport {
  const attributes = redact(
    {
      operation: verification ? 'verify' : 'decode',
      library: 'jose',
      outcome: verification?.outcome ?? 'unverified',
      failure: verification?.failure,
      token: input.token,
      header: input.header,
      claims,
      startTime: Date.now(),
      duration: 0,
    },
    policies.redaction,
  );
  // Which call the instrumentation would have recorded is not a property of the token.
  delete attributes['jwt.operation'];
  delete attributes['jwt.library'];
  const keptClaims = new Set(
    [...policies.redaction.claims].filter(([, action]) => action !== 'drop').map(([name]) => name),
  );
  // The roles claim is exported as user.roles.
  const rolesClaim = policies.redaction.rolesClaim?.[0];
  if (rolesClaim !== undefined) keptClaims.add(rolesClaim);
  const findings = tokenFindings({ header: input.header, claims, operation: 'decode' }, policies.findings)
    .map((name) => ({ name, severity: FINDING_SEVERITY[name] }))
    .sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));
  return {
    decodedWithoutVerification: true,
    kind: input.kind,
    attributes,
    withheld: {
      header: Object.keys(input.header).filter((name) => !EXPORTED_HEADER.has(name)),
      claims: Object.keys(claims ?? {}).filter((name) => !keptClaims.has(name)),
    },
    ...(reveal ? { revealed: { header: input.header, ...(claims ? { claims } : {}) } } : {}),
    findings,
    verification: verification ?? 'not_verified',
  };
}

/** Whether a finding at or above `threshold` is present. */
export function failsAt(report: InspectionReport, threshold: FindingSeverity | undefined): boolean {
  if (threshold === undefined) return false;
  const rank = SEVERITIES.indexOf(threshold);
  return report.findings.some((finding) => SEVERITIES.indexOf(finding.severity) >= rank);
}
