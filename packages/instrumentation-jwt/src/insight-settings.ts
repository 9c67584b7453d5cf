/**
 * The settings of findings, revocation, scope policy, detectors and log sampling, resolved from the public
 * configuration with the same fail-fast rules as the rest (a TypeError naming the option).
 */
import type { FindingsPolicy } from './policy/findings';
import { DEFAULT_FINDINGS_POLICY } from './policy/findings';
import type { DetectorThreshold } from './detectors/detectors';
import type { DetectorName } from './detectors/vocabulary';
import type {
  DetectorsConfig,
  FindingsConfig,
  JwtInstrumentationConfig,
  RevocationCheck,
  ScopeRequirement,
} from './types';
import { configError, nonEmptyStrings } from './config-checks';

export interface InsightSettings {
  readonly findings: FindingsPolicy;
  readonly isRevoked?: RevocationCheck;
  /** How long an asynchronous `isRevoked` answer is waited for, ms. */
  readonly revocationCheckTimeoutMs: number;
  /** Route (`/admin/:id`) or `METHOD route` → what a token needs to be served there. */
  readonly scopePolicy: ReadonlyMap<string, ScopeRequirement>;
  readonly detectors: Readonly<Record<DetectorName, DetectorThreshold>> | undefined;
  /** Most keys each detector tracks at once. */
  readonly detectorMaxKeys: number;
  /** Share of successful operations' and requests' log records kept, 0 < ratio ≤ 1. */
  readonly logSampleRatio: number;
}

/** Defaults: see docs/detectors.md. */
export const DEFAULT_DETECTORS: Readonly<Record<DetectorName, { threshold: number; windowSeconds: number }>> = {
  token_replay_multi_ip: { threshold: 5, windowSeconds: 300 },
  token_hammering: { threshold: 100, windowSeconds: 60 },
  failure_burst: { threshold: 20, windowSeconds: 60 },
  reissue_storm: { threshold: 10, windowSeconds: 60 },
  revoked_token_used: { threshold: 0, windowSeconds: 300 },
};
export const DEFAULT_DETECTOR_MAX_KEYS = 20_000;
export const DEFAULT_REVOCATION_CHECK_TIMEOUT_MS = 2000;

function number(value: unknown, option: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    configError(option, `a number from ${min} to ${max}`, value);
  return value;
}

function object<T>(value: T | undefined, option: string): T | undefined {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
    configError(option, 'an object', value);
  return value;
}

function findingsPolicy(config: FindingsConfig | undefined): FindingsPolicy {
  const c = object(config, 'findings');
  const algorithms = c?.expectedAlgorithms;
  if (
    algorithms !== undefined &&
    (!Array.isArray(algorithms) || !algorithms.every((a) => typeof a === 'string' && a))
  ) {
    configError('findings.expectedAlgorithms', 'an array of algorithm names', algorithms);
  }
  return {
    maxLifetimeSeconds: number(
      c?.maxLifetimeSeconds,
      'findings.maxLifetimeSeconds',
      DEFAULT_FINDINGS_POLICY.maxLifetimeSeconds,
      1,
    ),
    clockToleranceSeconds: number(
      c?.clockToleranceSeconds,
      'findings.clockToleranceSeconds',
      DEFAULT_FINDINGS_POLICY.clockToleranceSeconds,
      0,
    ),
    ...(algorithms ? { expectedAlgorithms: [...algorithms] } : {}),
  };
}

function scopePolicy(config: JwtInstrumentationConfig['scopePolicy']): ReadonlyMap<string, ScopeRequirement> {
  const routes = new Map<string, ScopeRequirement>();
  for (const [route, requirement] of Object.entries(object(config, 'scopePolicy') ?? {})) {
    object(requirement, `scopePolicy["${route}"]`);
    const scopes = nonEmptyStrings(requirement?.scopes, `scopePolicy["${route}"].scopes`);
    const roles = nonEmptyStrings(requirement?.roles, `scopePolicy["${route}"].roles`);
    if (!scopes && !roles) configError(`scopePolicy["${route}"]`, 'an object with scopes or roles', requirement);
    routes.set(route, { ...(scopes ? { scopes } : {}), ...(roles ? { roles } : {}) });
  }
  return routes;
}

function detectors(config: DetectorsConfig | undefined): InsightSettings['detectors'] {
  const c = object(config, 'detectors');
  if (c?.enabled !== undefined && typeof c.enabled !== 'boolean')
    configError('detectors.enabled', 'a boolean', c.enabled);
  if (c?.enabled === false) return undefined;
  const resolved = {} as Record<DetectorName, DetectorThreshold>;
  for (const [name, defaults] of Object.entries(DEFAULT_DETECTORS) as Array<
    [DetectorName, { threshold: number; windowSeconds: number }]
  >) {
    const own = object(c?.[name], `detectors.${name}`);
    const threshold = number(own?.threshold, `detectors.${name}.threshold`, defaults.threshold, 0, 10_000);
    const windowSeconds = number(
      own?.windowSeconds,
      `detectors.${name}.windowSeconds`,
      defaults.windowSeconds,
      1,
      86_400,
    );
    resolved[name] = { threshold: Math.floor(threshold), windowMs: windowSeconds * 1000 };
  }
  return resolved;
}

function sampleRatio(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !(value > 0 && value <= 1))
    configError('logSampleRatio', 'a number above 0 and at most 1', value);
  return value;
}

export function resolveInsightSettings(config: JwtInstrumentationConfig): InsightSettings {
  if (config.isRevoked !== undefined && typeof config.isRevoked !== 'function')
    configError('isRevoked', 'a function', config.isRevoked);
  const detectorConfig = object(config.detectors, 'detectors');
  return {
    findings: findingsPolicy(config.findings),
    isRevoked: config.isRevoked,
    revocationCheckTimeoutMs: number(
      config.revocationCheckTimeoutMs,
      'revocationCheckTimeoutMs',
      DEFAULT_REVOCATION_CHECK_TIMEOUT_MS,
      1,
      60_000,
    ),
    scopePolicy: scopePolicy(config.scopePolicy),
    detectors: detectors(detectorConfig),
    detectorMaxKeys: Math.floor(
      number(detectorConfig?.maxKeys, 'detectors.maxKeys', DEFAULT_DETECTOR_MAX_KEYS, 100, 10_000_000),
    ),
    logSampleRatio: sampleRatio(config.logSampleRatio),
  };
}
