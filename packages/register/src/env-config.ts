/**
 * The tokentrail configuration read from `TOKENTRAIL_*` environment variables, for zero-code starts.
 * Every variable is optional; a malformed value throws a TypeError naming the variable.
 */
import type { ClaimAction, JwtInstrumentationConfig, ScopeRequirement } from '@tokentrail/instrumentation-jwt';

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

function number(env: NodeJS.ProcessEnv, name: string, accepts: (n: number) => boolean, expected: string): number | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !accepts(n)) throw new TypeError(`${name} must be ${expected} (got "${env[name]}")`);
  return n;
}

/**
 * `GET /admin=scope:admin role:ops; /orders=scope:orders:read` → `{ 'GET /admin': { scopes: ['admin'], roles: ['ops'] }, … }`:
 * routes separated by `;`, each `route=requirement …` with `scope:NAME` and `role:NAME` separated by spaces.
 */
function scopePolicy(value: string | undefined): Record<string, ScopeRequirement> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const policy: Record<string, ScopeRequirement> = {};
  for (const entry of value.split(';').map((part) => part.trim()).filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    const route = eq > 0 ? entry.slice(0, eq).trim() : '';
    const needs = eq > 0 ? entry.slice(eq + 1).trim().split(/\s+/).filter(Boolean) : [];
    const scopes = needs.filter((n) => n.startsWith('scope:')).map((n) => n.slice(6));
    const roles = needs.filter((n) => n.startsWith('role:')).map((n) => n.slice(5));
    if (!route || needs.length === 0 || scopes.length + roles.length !== needs.length || [...scopes, ...roles].some((n) => n === '')) {
      throw new TypeError(`TOKENTRAIL_SCOPE_POLICY entries must look like "GET /route=scope:NAME role:NAME" (got "${entry}")`);
    }
    policy[route] = { ...(scopes.length > 0 ? { scopes } : {}), ...(roles.length > 0 ? { roles } : {}) };
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
  TOKENTRAIL_LOG_SAMPLE_RATIO: 'Share of successful, finding-free audit log records kept, above 0 and at most 1 (default 1); failures, new findings and alerts are always kept (the findings of a token on its first record).',
  TOKENTRAIL_MAX_TOKEN_LIFETIME: 'Longest acceptable token lifetime in seconds before the finding `lifetime_too_long` (default 86400).',
  TOKENTRAIL_EXPECTED_ALGORITHMS: 'Comma-separated algorithms this deployment uses, e.g. `RS256,ES256`; any other `alg` raises `alg_unexpected`.',
  TOKENTRAIL_DETECTORS: '`false` to turn the misuse detectors off.',
  TOKENTRAIL_SCOPE_POLICY: 'Routes and what a token needs there, e.g. `GET /admin=scope:admin role:ops; /orders=scope:orders:read`: a 2xx answer without it raises `scope_insufficient`.',
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
  const ratio = number(env, 'TOKENTRAIL_LOG_SAMPLE_RATIO', (n) => n > 0 && n <= 1, 'a number above 0 and at most 1');
  if (ratio !== undefined) config.logSampleRatio = ratio;
  const lifetime = number(env, 'TOKENTRAIL_MAX_TOKEN_LIFETIME', (n) => Number.isInteger(n) && n > 0, 'a whole number of seconds above 0');
  const algorithms = list(env.TOKENTRAIL_EXPECTED_ALGORITHMS);
  if (lifetime !== undefined || algorithms) config.findings = { ...(lifetime !== undefined ? { maxLifetimeSeconds: lifetime } : {}), ...(algorithms ? { expectedAlgorithms: algorithms } : {}) };
  const detectors = bool(env, 'TOKENTRAIL_DETECTORS');
  if (detectors !== undefined) config.detectors = { enabled: detectors };
  const scopes = scopePolicy(env.TOKENTRAIL_SCOPE_POLICY);
  if (scopes) config.scopePolicy = scopes;
  return config;
}
