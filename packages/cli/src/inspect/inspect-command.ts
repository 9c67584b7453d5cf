/** `tokentrail inspect <token | ->`: offline token audit, with the instrumentation's own redaction and findings. */
import { parseArgs } from 'node:util';
import {
  SEVERITIES,
  inspectionPolicies,
  readClaims,
  type FindingSeverity,
} from '@tokentrail/instrumentation-jwt/inspection';
import { EXIT, exitStatusHelp, UsageError, type ExitStatusMeanings } from '../cli-errors';
import { failsAt, inspectToken } from './inspection-report';
import { verificationKey } from './key-source';
import { formatInspection } from './report-text';
import { readToken } from './token-input';
import { UNUSABLE_KEY_REASONS, verifyToken } from './token-verification';

export const EXIT_STATUS: ExitStatusMeanings = {
  0: 'no finding at or above `--fail-on` (low, medium, high, critical; without it, findings never fail) and, with a key, the token verifies',
  1: 'a finding at or above `--fail-on`, or the token does not verify with the key given',
  2: "usage error, not a compact JWT, unreadable or unusable key (`key_invalid`: a key of the wrong kind for the token's `alg`; `jwks_fetch_failed`: the `--jwks` URL could not be fetched)",
};

export const OPTIONS = {
  'secret-env': { type: 'string' },
  key: { type: 'string' },
  jwks: { type: 'string' },
  'fail-on': { type: 'string' },
  reveal: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const INSPECT_HELP = `Usage: tokentrail inspect [options] <token | ->

Decodes a compact JWT offline — without verifying it, and says so — and shows its header and claims as
tokentrail's instrumentation would export them (the same redaction policy: sub pseudonymized, unlisted
claims withheld), the findings the instrumentation would raise (alg, lifetime, missing claims, risky
headers) with their severity, and, with a key, whether it verifies and the jwt.validation.reason if not.
The signature is never printed. "-" reads the token from standard input (a "Bearer " prefix is dropped).

Options:
  --secret-env VAR   verify with the HMAC secret in environment variable VAR
  --key FILE         verify with a PEM public key or certificate, or a JWK (a JWK Set is used as --jwks)
  --jwks FILE|URL    verify against a JWK Set, from a file or fetched from a URL
  --fail-on LEVEL    exit 1 when a finding of severity LEVEL or above is present (low, medium, high, critical)
  --reveal           also print the raw header and claims (never the signature)
  --json             print the report as JSON
  -h, --help         show this help

TOKENTRAIL_PSEUDONYM_KEY, when set, makes jwt.token.fingerprint and enduser.pseudo.id match your telemetry.

${exitStatusHelp(EXIT_STATUS)}`;

function severity(value: string | undefined): FindingSeverity | undefined {
  if (value === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(value))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${value}")`);
  return value as FindingSeverity;
}

export async function inspectCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    out(INSPECT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('inspect takes one token, or - to read it from standard input');
  const failOn = severity(values['fail-on']);
  const input = await readToken(positionals[0]!);
  const alg = typeof input.header.alg === 'string' ? input.header.alg : undefined;
  const key = await verificationKey({ secretEnv: values['secret-env'], key: values.key, jwks: values.jwks }, alg);
  if (key && input.kind === 'jwe')
    throw new UsageError('a JWE cannot be verified here: only its header can be inspected');
  const verification = key ? await verifyToken(input.token, key) : undefined;
  const policies = inspectionPolicies({}, () => undefined);
  const report = inspectToken(
    input,
    input.kind === 'jws' ? readClaims(input.token) : undefined,
    verification,
    policies,
    values.reveal === true,
  );
  out(values.json ? JSON.stringify(report, null, 2) : formatInspection(report));
  if (verification?.failure && UNUSABLE_KEY_REASONS.includes(verification.failure.reason)) {
    process.stderr.write(
      `tokentrail inspect: the key could not be used to verify this token (jwt.validation.reason ${verification.failure.reason})\n`,
    );
    return EXIT.error;
  }
  const failed = failsAt(report, failOn) || verification?.outcome === 'invalid';
  return failed ? EXIT.found : EXIT.ok;
}
