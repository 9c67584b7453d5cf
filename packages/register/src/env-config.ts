/**
 * The tokentrail configuration read from `TOKENTRAIL_*` environment variables, for zero-code starts.
 * Every variable is optional; a malformed value throws a TypeError naming the variable.
 */
import {
  DEFAULT_TOKEN_QUERY_PARAMS,
  type ClaimAction,
  type JwtInstrumentationConfig,
  type ScopeRequirement,
} from '@tokentrail/instrumentation-jwt';

const CLAIM_ACTIONS: readonly string[] = ['keep', 'pseudonymize', 'drop'];

/** `a, b,,c` → `['a', 'b', 'c']`; undefined when the value is unset or blank. */
export function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
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
  const entries = commaList(value);
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

function number(
  env: NodeJS.ProcessEnv,
  name: string,
  accepts: (n: number) => boolean,
  expected: string,
): number | undefined {
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
  for (const entry of value
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    const route = eq > 0 ? entry.slice(0, eq).trim() : '';
    const needs =
      eq > 0
        ? entry
            .slice(eq + 1)
            .trim()
            .split(/\s+/)
            .filter(Boolean)
        : [];
    const scopes = needs.filter((n) => n.startsWith('scope:')).map((n) => n.slice(6));
    const roles = needs.filter((n) => n.startsWith('role:')).map((n) => n.slice(5));
    if (
      !route ||
      needs.length === 0 ||
      scopes.length + roles.length !== needs.length ||
      [...scopes, ...roles].some((n) => n === '')
    ) {
      throw new TypeError(
        `TOKENTRAIL_SCOPE_POLICY entries must look like "GET /route=scope:NAME role:NAME" (got "${entry}")`,
      );
    }
    policy[route] = { ...(scopes.length > 0 ? { scopes } : {}), ...(roles.length > 0 ? { roles } : {}) };
  }
  return policy;
}

/** `2` → 2 hops; `10.0.0.0/8,loopback` → a list of addresses, ranges and range names (checked again by the instrumentation). */
function trustedProxies(value: string | undefined): number | string[] | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = commaList(text)!;
  const bad = entries.find((entry) => !/^(?:[0-9A-Fa-f:.]+(?:\/\d{1,3})?|loopback|linklocal|uniquelocal)$/.test(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new TypeError(
      `TOKENTRAIL_TRUSTED_PROXIES must be a hop count or comma-separated addresses, CIDR ranges, loopback, linklocal or uniquelocal (got "${value}")`,
    );
  }
  return entries;
}

export const ENV_VARIABLES = {
  TOKENTRAIL_PSEUDONYM_KEY: 'HMAC key for pseudonyms (at least 16 bytes); read by the instrumentation itself.',
  TOKENTRAIL_CLAIMS: 'Claim policy over the defaults, e.g. `email=pseudonymize,tenant=keep,iss=drop`.',
  TOKENTRAIL_ROLES_CLAIM: 'Claim holding roles for `user.roles`; a dotted path (`realm_access.roles`), or `none`.',
  TOKENTRAIL_TOKEN_HEADERS: 'Comma-separated request headers that carry a token.',
  TOKENTRAIL_TOKEN_COOKIES: 'Comma-separated cookies that carry a token.',
  TOKENTRAIL_TOKEN_QUERY_PARAMS:
    'Comma-separated query parameters that carry a token, added to the defaults (default `access_token,token,id_token,id_token_hint,logout_token,request`; matched case-insensitively, with or without a `[]` suffix).',
  TOKENTRAIL_TRUSTED_PROXIES:
    'Proxies whose `X-Forwarded-For` is believed for `client.address` and the detectors: a hop count (`1`), or comma-separated addresses, CIDR ranges and `loopback`, `linklocal`, `uniquelocal` (default: none, the socket peer).',
  TOKENTRAIL_RESOURCE_PROCESS_DETAILS:
    '`true` to export the whole process resource (command line, executable path, owner); by default only the process id and runtime are exported, since a command line can hold a secret.',
  TOKENTRAIL_EMIT_SPANS: '`false` to stop jwt.* spans.',
  TOKENTRAIL_EMIT_LOG_RECORDS: '`false` to stop jwt.* log records.',
  TOKENTRAIL_EMIT_METRICS:
    '`false` to stop every tokentrail metric: the jwt.operation.duration histogram and the jwt.findings and jwt.alerts counters (findings and alerts stay on spans and log records).',
  TOKENTRAIL_AUDIT_SIGNING_KEY:
    'Ed25519 private key (PKCS#8 PEM or private JWK JSON) that signs audit checkpoints; read by the instrumentation itself.',
  TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL:
    'An audit trail checkpoint after every this many audit records (default 1000; 0: only at shutdown); read by the instrumentation itself.',
  TOKENTRAIL_LOG_SAMPLE_RATIO:
    'Share of successful, finding-free audit log records kept, above 0 and at most 1 (default 1); failures, new findings and alerts are always kept (the findings of a token on its first record).',
  TOKENTRAIL_MAX_TOKEN_LIFETIME:
    'Longest acceptable token lifetime in seconds before the finding `lifetime_too_long` (default 86400).',
  TOKENTRAIL_EXPECTED_ALGORITHMS:
    'Comma-separated algorithms this deployment uses, e.g. `RS256,ES256`; any other `alg` raises `alg_unexpected`.',
  TOKENTRAIL_DETECTORS: '`false` to turn the misuse detectors off.',
  TOKENTRAIL_SCOPE_POLICY:
    'Routes and what a token needs there, e.g. `GET /admin=scope:admin role:ops; /orders=scope:orders:read`: a 2xx answer without it raises `scope_insufficient`.',
  TOKENTRAIL_EXIT_TIMEOUT_MS:
    'The longest telemetry may add to the end of the process, export timeouts included (default 2000); see Ending the process.',
  TOKENTRAIL_SPOOL_DIR:
    'Where spans and log records not acknowledged at exit are spooled; by default `tokentrail-spool-<uid>/<service.name>` under the OS temp directory.',
  TOKENTRAIL_SPOOL_MAX_BYTES: 'Size cap of the spool directory in bytes (default 67108864); `0` turns spooling off.',
} as const;

/** Whether the resource may carry every process detail (`TOKENTRAIL_RESOURCE_PROCESS_DETAILS=true`). */
export function processDetailsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return bool(env, 'TOKENTRAIL_RESOURCE_PROCESS_DETAILS') ?? false;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new TypeError(`${name} must be a whole number of at least 0 (got "${env[name]}")`);
  return n;
}

/** The exit path's settings: `TOKENTRAIL_EXIT_TIMEOUT_MS`, `TOKENTRAIL_SPOOL_DIR`, `TOKENTRAIL_SPOOL_MAX_BYTES` (each optional). */
export function exitSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  timeoutMs?: number;
  spoolDir?: string;
  spoolMaxBytes?: number;
} {
  const timeoutMs = wholeNumber(env, 'TOKENTRAIL_EXIT_TIMEOUT_MS');
  const spoolMaxBytes = wholeNumber(env, 'TOKENTRAIL_SPOOL_MAX_BYTES');
  const spoolDir = env.TOKENTRAIL_SPOOL_DIR?.trim() || undefined;
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(spoolDir ? { spoolDir } : {}),
    ...(spoolMaxBytes !== undefined ? { spoolMaxBytes } : {}),
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): JwtInstrumentationConfig {
  const config: JwtInstrumentationConfig = {};
  const policy = claims(env.TOKENTRAIL_CLAIMS);
  if (policy) config.claims = policy;
  const roles = env.TOKENTRAIL_ROLES_CLAIM?.trim();
  if (roles) config.rolesClaim = roles === 'none' ? null : roles.split('.');
  const headers = commaList(env.TOKENTRAIL_TOKEN_HEADERS);
  const cookies = commaList(env.TOKENTRAIL_TOKEN_COOKIES);
  const added = commaList(env.TOKENTRAIL_TOKEN_QUERY_PARAMS);
  const queryParams = added && [...new Set([...DEFAULT_TOKEN_QUERY_PARAMS, ...added])];
  if (headers || cookies || queryParams) config.tokenSources = { headers, cookies, queryParams };
  const proxies = trustedProxies(env.TOKENTRAIL_TRUSTED_PROXIES);
  if (proxies !== undefined) config.trustedProxies = proxies;
  const spans = bool(env, 'TOKENTRAIL_EMIT_SPANS');
  if (spans !== undefined) config.emitSpans = spans;
  const logRecords = bool(env, 'TOKENTRAIL_EMIT_LOG_RECORDS');
  if (logRecords !== undefined) config.emitLogRecords = logRecords;
  const metrics = bool(env, 'TOKENTRAIL_EMIT_METRICS');
  if (metrics !== undefined) config.emitMetrics = metrics;
  const ratio = number(env, 'TOKENTRAIL_LOG_SAMPLE_RATIO', (n) => n > 0 && n <= 1, 'a number above 0 and at most 1');
  if (ratio !== undefined) config.logSampleRatio = ratio;
  const lifetime = number(
    env,
    'TOKENTRAIL_MAX_TOKEN_LIFETIME',
    (n) => Number.isInteger(n) && n > 0,
    'a whole number of seconds above 0',
  );
  const algorithms = commaList(env.TOKENTRAIL_EXPECTED_ALGORITHMS);
  if (lifetime !== undefined || algorithms)
    config.findings = {
      ...(lifetime !== undefined ? { maxLifetimeSeconds: lifetime } : {}),
      ...(algorithms ? { expectedAlgorithms: algorithms } : {}),
    };
  const detectors = bool(env, 'TOKENTRAIL_DETECTORS');
  if (detectors !== undefined) config.detectors = { enabled: detectors };
  const scopes = scopePolicy(env.TOKENTRAIL_SCOPE_POLICY);
  if (scopes) config.scopePolicy = scopes;
  return config;
}
