/**
 * Scope policy: routes → the scopes or roles a token needs there. A request served 2xx to a token that lacks
 * them is `scope_insufficient` (an authorization gap, recorded as it happens); a 403 for a valid token that
 * had them is `scope_denied_despite_grant`. Routes are matched on `http.route` when a framework reports it,
 * else on `url.path`, each as `METHOD route` first and then as the bare route.
 */
import type { Finding } from './findings';

/** What a token needs to be served on a route: every scope listed and/or every role listed. */
export interface ScopeRequirement {
  scopes?: string[];
  roles?: string[];
}

export function requirementFor(
  policy: ReadonlyMap<string, ScopeRequirement>,
  method: string,
  route: string | undefined,
  path: string,
): ScopeRequirement | undefined {
  if (policy.size === 0) return undefined;
  for (const candidate of route !== undefined ? [route, path] : [path]) {
    const found = policy.get(`${method} ${candidate}`) ?? policy.get(candidate);
    if (found) return found;
  }
  return undefined;
}

function hasAll(required: readonly string[] | undefined, granted: readonly string[]): boolean {
  return required === undefined || required.every((name) => granted.includes(name));
}

/**
 * `outcome` is the request's `jwt.validation.outcome`; `scopes` and `roles` what its token granted.
 * A token that was never accepted (`invalid`) raises nothing here: the request was refused for that already.
 */
export function scopeFindings(
  requirement: ScopeRequirement,
  outcome: unknown,
  scopes: readonly string[],
  roles: readonly string[],
  statusCode: number,
): Finding[] {
  if (outcome !== 'valid' && outcome !== 'unverified') return [];
  const granted = hasAll(requirement.scopes, scopes) && hasAll(requirement.roles, roles);
  if (!granted && statusCode >= 200 && statusCode < 300) return ['scope_insufficient'];
  if (granted && outcome === 'valid' && statusCode === 403) return ['scope_denied_despite_grant'];
  return [];
}

/** The scopes a claims set grants: `scope` (space-separated) or else `scp` (an array or a string). */
export function grantedScopes(claims: Readonly<Record<string, unknown>> | undefined): string[] {
  if (claims === undefined) return [];
  const scope = Object.hasOwn(claims, 'scope') ? claims.scope : Object.hasOwn(claims, 'scp') ? claims.scp : undefined;
  if (typeof scope === 'string') return scope.slice(0, 8192).split(' ').filter(Boolean);
  return Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : [];
}
