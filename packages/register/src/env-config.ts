/**
 * The tokentrail configuration read from `TOKENTRAIL_*` environment variables, for zero-code starts.
 * Every variable is optional; a malformed value throws a TypeError naming the variable.
 */
import type { ClaimAction, JwtInstrumentationConfig } from '@tokentrail/instrumentation-jwt';

const CLAIM_ACTIONS: readonly string[] = ['keep', 'pseudonymize', 'drop'];

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new TypeError(`${name} must be "true" or "false" (got "${env[name]}")`);
}

/** `email=pseudonymize,tenant=keep` → `{ email: 'pseudonymize', tenant: 'keep' }` */
function claims(value: string | undefined): Record<string, ClaimAction> | undefined {
  const entries = list(value);
  if (!entries) return undefined;
  const policy: Record<string, ClaimAction> = {};
  for (const entry of entries) {
    const [name, action] = entry.split('=').map((part) => part.trim());
    if (!name || !action || !CLAIM_ACTIONS.includes(action)) {
      throw new TypeError(`TOKENTRAIL_CLAIMS entries must look like claim=keep|pseudonymize|drop (got "${entry}")`);
    }
    policy[name] = action as ClaimAction;
  }
  return policy;
}

export const ENV_VARIABLES = {
  TOKENTRAIL_PSEUDONYM_KEY: 'HMAC key for pseudonyms (at least 16 bytes); read by the instrumentation itself.',
  TOKENTRAIL_CLAIMS: 'Claim policy over the defaults, e.g. `email=pseudonymize,tenant=keep,iss=drop`.',
  TOKENTRAIL_ROLES_CLAIM: 'Claim holding roles for `user.roles`; a dotted path (`realm_access.roles`), or `none`.',
  TOKENTRAIL_TOKEN_HEADERS: 'Comma-separated request headers that carry a token.',
  TOKENTRAIL_TOKEN_COOKIES: 'Comma-separated cookies that carry a token.',
  TOKENTRAIL_TOKEN_QUERY_PARAMS: 'Comma-separated query parameters that carry a token (default `access_token,token,id_token`).',
  TOKENTRAIL_EMIT_SPANS: '`false` to stop jwt.* spans.',
  TOKENTRAIL_EMIT_LOG_RECORDS: '`false` to stop jwt.* log records.',
  TOKENTRAIL_EMIT_METRICS: '`false` to stop the jwt.operation.duration histogram.',
  TOKENTRAIL_AUDIT_SIGNING_KEY: 'Ed25519 private key (PKCS#8 PEM or private JWK JSON) that signs audit checkpoints; read by the instrumentation itself.',
  TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL: 'An audit trail checkpoint after every this many audit records (default 1000; 0: only at shutdown); read by the instrumentation itself.',
  TOKENTRAIL_SHUTDOWN_GRACE_MS: 'After a SIGTERM/SIGINT the application handles, shut the SDK down after this long at the latest (default 5000).',
} as const;

/** Milliseconds to wait, after a signal the application handles, before shutting the SDK down anyway. */
export function shutdownGraceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.TOKENTRAIL_SHUTDOWN_GRACE_MS?.trim();
  if (value === undefined || value === '') return 5000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError(`TOKENTRAIL_SHUTDOWN_GRACE_MS must be a whole number of milliseconds (got "${value}")`);
  return ms;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): JwtInstrumentationConfig {
  const config: JwtInstrumentationConfig = {};
  const policy = claims(env.TOKENTRAIL_CLAIMS);
  if (policy) config.claims = policy;
  const roles = env.TOKENTRAIL_ROLES_CLAIM?.trim();
  if (roles) config.rolesClaim = roles === 'none' ? null : roles.split('.');
  const headers = list(env.TOKENTRAIL_TOKEN_HEADERS);
  const cookies = list(env.TOKENTRAIL_TOKEN_COOKIES);
  const queryParams = list(env.TOKENTRAIL_TOKEN_QUERY_PARAMS);
  if (headers || cookies || queryParams) config.tokenSources = { headers, cookies, queryParams };
  const spans = bool(env, 'TOKENTRAIL_EMIT_SPANS');
  if (spans !== undefined) config.emitSpans = spans;
  const logRecords = bool(env, 'TOKENTRAIL_EMIT_LOG_RECORDS');
  if (logRecords !== undefined) config.emitLogRecords = logRecords;
  const metrics = bool(env, 'TOKENTRAIL_EMIT_METRICS');
  if (metrics !== undefined) config.emitMetrics = metrics;
  return config;
}
