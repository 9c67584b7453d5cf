/**
 * What every per-library suite (jose, jsonwebtoken, fast-jwt, hono) starts from: a recorder over the file's
 * telemetry, a leak scanner for the suite's explicit check, two throwaway HMAC secrets (hex text, 24 random
 * bytes) and the personal claims, registered both with that scanner and with the file's export scan.
 */
import { randomBytes } from 'node:crypto';
import { LeakScanner } from './leak-scanner.mjs';
import { AUDIENCE, ISSUER, PERSONAL, nowSeconds } from './jwt-fixtures.mjs';
import { createRecorder } from './record.mjs';

export function librarySuite(telemetry) {
  const leaks = new LeakScanner();
  const { record, exported } = createRecorder(telemetry);
  const secret = randomBytes(24).toString('hex');
  const otherSecret = randomBytes(24).toString('hex');
  leaks.register(secret, 'HMAC secret');
  leaks.register(PERSONAL.sub, 'raw sub');
  leaks.register(PERSONAL.email, 'email claim');
  leaks.register(PERSONAL.name, 'name claim');
  for (const [label, value] of [
    ['HMAC secret', secret],
    ['raw sub', PERSONAL.sub],
    ['email claim', PERSONAL.email],
  ])
    telemetry.leaks.register(value, label);
  return { leaks, record, exported, secret, otherSecret };
}

/** The claims of a suite's tokens: the personal ones, roles, issuer, audience, and a ten-minute lifetime. */
export function suitePayload(overrides = {}, { iat = nowSeconds() } = {}) {
  return {
    ...PERSONAL,
    roles: ['reader', 'auditor'],
    iss: ISSUER,
    aud: AUDIENCE,
    iat,
    exp: nowSeconds() + 600,
    ...overrides,
  };
}
