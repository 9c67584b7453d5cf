/** Verifies a compact JWS with jose and names the outcome as the instrumentation would (`jwt.validation.reason`). */
import { jwtVerify } from 'jose';
import { joseFailure, type Failure } from '@tokentrail/instrumentation-jwt/inspection';
import type { VerificationKey } from './key-source';

export interface Verification {
  readonly outcome: 'valid' | 'invalid';
  readonly failure?: Failure;
}

export async function verifyToken(token: string, key: VerificationKey): Promise<Verification> {
  try {
    await jwtVerify(token, key as Parameters<typeof jwtVerify>[1]);
    return { outcome: 'valid' };
  } catch (error) {
    return { outcome: 'invalid', failure: joseFailure(error) };
  }
}
