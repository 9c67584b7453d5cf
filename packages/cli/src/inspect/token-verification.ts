/** Verifies a compact JWS with jose and names the outcome as the instrumentation would (`jwt.validation.reason`). */
import { jwtVerify } from 'jose';
import { joseFailure, type Failure } from '@tokentrail/instrumentation-jwt/inspection';
import { keySetFailures, type VerificationKey } from './key-source';

export interface Verification {
  readonly outcome: 'valid' | 'invalid';
  readonly failure?: Failure;
}

export async function verifyToken(token: string, key: VerificationKey): Promise<Verification> {
  try {
    await jwtVerify(token, key as Parameters<typeof jwtVerify>[1]);
    return { outcome: 'valid' };
  } catch (error) {
    const lookup = typeof key === 'function' ? keySetFailures.get(key) : undefined;
    const failure = joseFailure(error);
    // As the instrumentation does: a verify whose key set could not be fetched failed for that reason.
    return {
      outcome: 'invalid',
      failure: lookup?.reason === 'jwks_fetch_failed' ? { ...failure, reason: 'jwks_fetch_failed' } : failure,
    };
  }
}

/** Reasons that say the key could not be used for this token, not that the token is bad: the command could not judge. */
export const UNUSABLE_KEY_REASONS: readonly string[] = ['key_invalid', 'jwks_fetch_failed'];
