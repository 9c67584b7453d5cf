/**
 * Turns the user's {@link JwtInstrumentationConfig} into the settings the pipeline reads, failing fast with
 * a TypeError that names the option when the configuration is wrong.
 */
import { randomBytes } from 'node:crypto';
import { auditTrailSettings, type AuditTrailSettings } from './audit-trail/trail-settings';
import type { JwtLibrary } from './events/audit-event';
import { CLAIM_ACTIONS, DEFAULT_CLAIM_ACTIONS, type ClaimAction, type RedactionPolicy } from './policy/claim-policy';
import { createPseudonymizer } from './policy/pseudonym';
import { TokenAttributeCache } from './policy/token-attribute-cache';
import type { CredentialSources } from './adapters/http-credentials';
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

export const DEFAULT_TOKEN_QUERY_PARAMS = ['access_token', 'token', 'id_token'];

function names(value: unknown, option: string, fallback: string[]): string[] {
  return nonEmptyStrings(value, option) ?? fallback;
}

function credentialSources(config: JwtInstrumentationConfig): CredentialSources {
  const sources = config.tokenSources;
  if (sources !== undefined && (sources === null || typeof sources !== 'object')) configError('tokenSources', 'an object', sources);
  return {
    headers: names(sources?.headers, 'tokenSources.headers', []).map((name) => name.toLowerCase()),
    cookies: names(sources?.cookies, 'tokenSources.cookies', []),
    queryParams: names(sources?.queryParams, 'tokenSources.queryParams', DEFAULT_TOKEN_QUERY_PARAMS),
  };
}

/** The config option of each library: its package name, in camelCase. */
const CONFIG_KEY = { jose: 'jose', jsonwebtoken: 'jsonwebtoken', 'fast-jwt': 'fastJwt', hono: 'hono', http: 'http', jwks: 'jwks' } as const;

function libraryEnabled(config: JwtInstrumentationConfig, library: JwtLibrary | 'http' | 'jwks'): boolean {
  const option = CONFIG_KEY[library];
  const value = config[option];
  if (value === undefined) return true;
  if (value === null || typeof value !== 'object') configError(option, 'an object like { enabled: false }', value);
  if (value.enabled !== undefined && typeof value.enabled !== 'boolean') configError(`${option}.enabled`, 'a boolean', value.enabled);
  return value.enabled !== false;
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
    if (!(CLAIM_ACTIONS as readonly unknown[]).includes(action)) configError(`claims.${name}`, '"keep", "pseudonymize" or "drop"', action);
    merged.set(name, action);
  }
  return merged;
}

function rolesPath(value: JwtInstrumentationConfig['rolesClaim']): readonly string[] | undefined {
  if (value === undefined) return ['roles'];
  if (value === null) return undefined;
  if (typeof value === 'string' && value) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string' && part)) return [...value];
  return configError('rolesClaim', 'a claim name, a non-empty array of names, or null', value);
}

/**
 * The random key an instrumentation uses while no pseudonym key is configured: made once, on first need, and
 * kept by the instrumentation across configurations, so its pseudonyms stay stable while it runs.
 */
export class FallbackKey {
  private key: Uint8Array | undefined;

  get(warn: (message: string) => void): Uint8Array {
    if (!this.key) {
      this.key = randomBytes(32);
      warn(
        `no pseudonym key configured (config.pseudonymKey or ${PSEUDONYM_KEY_ENV}): using a random per-process key, ` +
          'so enduser.pseudo.id and jwt.token.fingerprint will not match across processes or restarts',
      );
    }
    return this.key;
  }
}

function pseudonymKey(config: JwtInstrumentationConfig, env: NodeJS.ProcessEnv, fallback: FallbackKey, warn: (message: string) => void): Uint8Array {
  const configured = config.pseudonymKey ?? (env[PSEUDONYM_KEY_ENV] || undefined);
  if (configured === undefined) return fallback.get(warn);
  const key = typeof configured === 'string' ? Buffer.from(configured, 'utf8') : configured;
  if (!(key instanceof Uint8Array)) configError('pseudonymKey', 'a string or a Uint8Array', configured);
  if (key.byteLength < MIN_PSEUDONYM_KEY_BYTES) {
    configError('pseudonymKey', `at least ${MIN_PSEUDONYM_KEY_BYTES} bytes long`, `${key.byteLength} bytes`);
  }
  return key;
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
    pseudonymize: createPseudonymizer(pseudonymKey(config, env, fallbackKey, warn)),
  };
  const insight = resolveInsightSettings(config);
  return {
    redaction,
    tokenAttributes: new TokenAttributeCache(redaction),
    libraries: {
      jose: libraryEnabled(config, 'jose'),
      jsonwebtoken: libraryEnabled(config, 'jsonwebtoken'),
      'fast-jwt': libraryEnabled(config, 'fast-jwt'),
      hono: libraryEnabled(config, 'hono'),
    },
    http: libraryEnabled(config, 'http'),
    keySets: libraryEnabled(config, 'jwks'),
    credentialSources: credentialSources(config),
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
