/**
 * Turns the user's {@link JwtInstrumentationConfig} into the settings the pipeline reads, failing fast with
 * a TypeError that names the option when the configuration is wrong.
 */
import { randomBytes } from 'node:crypto';
import { auditTrailSettings, type AuditTrailSettings } from './audit-trail/trail-settings';
import { LIBRARIES, type JwtLibrary } from './events/audit-event';
import type { AdapterOption } from './adapters/contract';
import { ADAPTERS } from './adapters/registry';
import { CLAIM_ACTIONS, DEFAULT_CLAIM_ACTIONS, type ClaimAction, type RedactionPolicy } from './policy/claim-policy';
import { createPseudonymizer, type Pseudonymizer } from './policy/pseudonym';
import { TokenAttributeCache } from './policy/token-attribute-cache';
import type { CredentialSources } from './adapters/http-credentials';
import { resolveTrustedProxies, type TrustedProxies } from './policy/trusted-proxies';
import type { JwtInstrumentationConfig, JwtSpanHook } from './types';
import { resolveInsightSettings, type InsightSettings } from './insight-settings';
import { configError, nonEmptyStrings } from './config-checks';
import { FindingCache } from './policy/finding-cache';

export const PSEUDONYM_KEY_ENV = 'TOKENTRAIL_PSEUDONYM_KEY';
export const MIN_PSEUDONYM_KEY_BYTES = 16;

export interface Settings {
  readonly redaction: RedactionPolicy;
  /** The redacted attributes of recently seen tokens, under this redaction policy. */
  readonly tokenAttributes: TokenAttributeCache;
  readonly libraries: Readonly<Record<JwtLibrary, boolean>>;
  /** Audit incoming HTTP requests. */
  readonly http: boolean;
  /** Record lookups in remote key sets. */
  readonly keySets: boolean;
  readonly credentialSources: CredentialSources;
  /** Which proxies' X-Forwarded-For is believed for `client.address` and the detectors. */
  readonly trustedProxies: TrustedProxies;
  readonly emitSpans: boolean;
  readonly requestVerifySpans: boolean;
  readonly emitLogRecords: boolean;
  readonly emitMetrics: boolean;
  readonly enrichServerSpan: boolean;
  readonly verifyHook?: JwtSpanHook;
  readonly signHook?: JwtSpanHook;
  readonly auditTrail: AuditTrailSettings;
  /** Findings, revocation, scope policy, detectors and log sampling. */
  readonly insight: InsightSettings;
  /** Findings and key facts computed under this configuration. */
  readonly findingCache: FindingCache;
}

function flag(config: JwtInstrumentationConfig, option: keyof JwtInstrumentationConfig, fallback: boolean): boolean {
  const value = config[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') configError(option, 'a boolean', value);
  return value;
}

/** Query parameters that carry JWTs in OAuth 2.0 and OpenID Connect: bearer tokens, ID tokens and hints, logout tokens, request objects (JAR). */
export const DEFAULT_TOKEN_QUERY_PARAMS = [
  'access_token',
  'token',
  'id_token',
  'id_token_hint',
  'logout_token',
  'request',
];

function names(value: unknown, option: string, fallback: string[]): string[] {
  return nonEmptyStrings(value, option) ?? fallback;
}

function credentialSources(config: JwtInstrumentationConfig): CredentialSources {
  const sources = config.tokenSources;
  if (sources !== undefined && (sources === null || typeof sources !== 'object'))
    configError('tokenSources', 'an object', sources);
  return {
    headers: names(sources?.headers, 'tokenSources.headers', []).map((name) => name.toLowerCase()),
    cookies: names(sources?.cookies, 'tokenSources.cookies', []),
    queryParams: [
      ...new Set(
        names(sources?.queryParams, 'tokenSources.queryParams', DEFAULT_TOKEN_QUERY_PARAMS).map((name) =>
          name.toLowerCase(),
        ),
      ),
    ],
  };
}

function libraryEnabled(config: JwtInstrumentationConfig, option: AdapterOption | 'http'): boolean {
  const value = config[option];
  if (value === undefined) return true;
  if (value === null || typeof value !== 'object') configError(option, 'an object like { enabled: false }', value);
  if (value.enabled !== undefined && typeof value.enabled !== 'boolean')
    configError(`${option}.enabled`, 'a boolean', value.enabled);
  return value.enabled !== false;
}

/** Each JWT library's switch, read from the option its adapter names; a library with no adapter is off. */
function librariesEnabled(config: JwtInstrumentationConfig): Readonly<Record<JwtLibrary, boolean>> {
  const enabled = Object.fromEntries(LIBRARIES.map((library) => [library, false])) as Record<JwtLibrary, boolean>;
  for (const adapter of ADAPTERS) {
    const option = libraryEnabled(config, adapter.option);
    if ((LIBRARIES as readonly string[]).includes(adapter.library)) enabled[adapter.library as JwtLibrary] = option;
  }
  return enabled;
}

function hook(config: JwtInstrumentationConfig, option: 'verifyHook' | 'signHook'): JwtSpanHook | undefined {
  const value = config[option];
  if (value !== undefined && typeof value !== 'function') configError(option, 'a function', value);
  return value;
}

function claimActions(claims: JwtInstrumentationConfig['claims']): ReadonlyMap<string, ClaimAction> {
  if (claims !== undefined && (claims === null || typeof claims !== 'object' || Array.isArray(claims))) {
    configError('claims', 'an object mapping claim names to "keep", "pseudonymize" or "drop"', claims);
  }
  const merged = new Map<string, ClaimAction>(Object.entries(DEFAULT_CLAIM_ACTIONS));
  for (const [name, action] of Object.entries(claims ?? {})) {
    if (!(CLAIM_ACTIONS as readonly unknown[]).includes(action))
      configError(`claims.${name}`, '"keep", "pseudonymize" or "drop"', action);
    merged.set(name, action);
  }
  return merged;
}

function rolesPath(value: JwtInstrumentationConfig['rolesClaim']): readonly string[] | undefined {
  if (value === undefined) return ['roles'];
  if (value === null) return undefined;
  if (typeof value === 'string' && value) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string' && part))
    return [...value];
  return configError('rolesClaim', 'a claim name, a non-empty array of names, or null', value);
}

/**
 * The random key an instrumentation uses while no pseudonym key is configured: made once, on first need, and
 * kept by the instrumentation across configurations, so its pseudonyms stay stable while it runs. The warning
 * comes once per instrumentation, when the first pseudonym is computed with it rather than at construction: an
 * instrumentation is made before the SDK sets up the application's diag logger (`@tokentrail/register`, the
 * README's snippet), and a warning then is lost.
 */
export class FallbackKey {
  private key: Uint8Array | undefined;
  private warned = false;

  pseudonymizer(warn: (message: string) => void): Pseudonymizer {
    this.key ??= randomBytes(32);
    const pseudonymize = createPseudonymizer(this.key);
    return (value) => {
      if (!this.warned) {
        this.warned = true;
        warn(
          `no pseudonym key configured (config.pseudonymKey or ${PSEUDONYM_KEY_ENV}): using a random per-process key, ` +
            'so enduser.pseudo.id and jwt.token.fingerprint will not match across processes or restarts',
        );
      }
      return pseudonymize(value);
    };
  }
}

function pseudonymizer(
  config: JwtInstrumentationConfig,
  env: NodeJS.ProcessEnv,
  fallback: FallbackKey,
  warn: (message: string) => void,
): Pseudonymizer {
  const configured = config.pseudonymKey ?? (env[PSEUDONYM_KEY_ENV] || undefined);
  if (configured === undefined) return fallback.pseudonymizer(warn);
  const key = typeof configured === 'string' ? Buffer.from(configured, 'utf8') : configured;
  if (!(key instanceof Uint8Array)) configError('pseudonymKey', 'a string or a Uint8Array', configured);
  if (key.byteLength < MIN_PSEUDONYM_KEY_BYTES) {
    configError('pseudonymKey', `at least ${MIN_PSEUDONYM_KEY_BYTES} bytes long`, `${key.byteLength} bytes`);
  }
  return createPseudonymizer(key);
}

export function resolveSettings(
  config: JwtInstrumentationConfig,
  fallbackKey: FallbackKey,
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const redaction: RedactionPolicy = {
    claims: claimActions(config.claims),
    rolesClaim: rolesPath(config.rolesClaim),
    pseudonymize: pseudonymizer(config, env, fallbackKey, warn),
  };
  const insight = resolveInsightSettings(config);
  return {
    redaction,
    tokenAttributes: new TokenAttributeCache(redaction),
    libraries: librariesEnabled(config),
    http: libraryEnabled(config, 'http'),
    keySets: libraryEnabled(config, 'jwks'),
    credentialSources: credentialSources(config),
    trustedProxies: resolveTrustedProxies(config.trustedProxies, (expected, got) =>
      configError('trustedProxies', expected, got),
    ),
    emitSpans: flag(config, 'emitSpans', true),
    requestVerifySpans: flag(config, 'requestVerifySpans', false),
    emitLogRecords: flag(config, 'emitLogRecords', true),
    emitMetrics: flag(config, 'emitMetrics', true),
    enrichServerSpan: flag(config, 'enrichServerSpan', true),
    verifyHook: hook(config, 'verifyHook'),
    signHook: hook(config, 'signHook'),
    auditTrail: auditTrailSettings(config, env, configError),
    insight,
    findingCache: new FindingCache(insight.findings, redaction.pseudonymize),
  };
}
