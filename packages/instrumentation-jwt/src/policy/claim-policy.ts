/**
 * What happens to each claim: default-deny. A claim not named here is dropped; `sub` is pseudonymized;
 * the registered claims that identify a token rather than a person are kept.
 */

import type { Pseudonymizer } from './pseudonym';

/** `keep`: exported raw. `pseudonymize`: exported as its keyed pseudonym. `drop`: never exported. */
export const CLAIM_ACTIONS = ['keep', 'pseudonymize', 'drop'] as const;
export type ClaimAction = (typeof CLAIM_ACTIONS)[number];

export const DEFAULT_CLAIM_ACTIONS: Readonly<Record<string, ClaimAction>> = {
  iss: 'keep',
  aud: 'keep',
  exp: 'keep',
  nbf: 'keep',
  iat: 'keep',
  jti: 'keep',
  azp: 'keep',
  scope: 'keep',
  scp: 'keep',
  sub: 'pseudonymize',
};

export interface RedactionPolicy {
  /** Defaults merged with the user's policy; claims absent from this map are dropped. */
  readonly claims: ReadonlyMap<string, ClaimAction>;
  /** Path to the roles claim (`['roles']`, `['realm_access', 'roles']`), or undefined for none. */
  readonly rolesClaim: readonly string[] | undefined;
  readonly pseudonymize: Pseudonymizer;
}

/** Longest string exported from a token; longer values are cut. */
export const MAX_STRING_LENGTH = 256;
/** Most elements exported from an array claim. */
export const MAX_ARRAY_LENGTH = 32;
