/**
 * The hostile inputs of bench/hostile-input.mjs, made at run time: per-user HMAC secrets (`JWT_SECRET +
 * passwordHash`, as apps that sign reset links do) with one token each, a forged token whose `sub` is nested
 * 5,400 levels deep (14 KB), and a query of 1,500 `%25` pairs that carries no credential.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const USERS = 1000;
export const NESTING = 5400;
export const PERCENT_PAIRS = 1500;

const b64 = (text) => Buffer.from(text).toString('base64url');
const hs256 = (input, secret) => createHmac('sha256', secret).update(input).digest('base64url');

/** A bcrypt-looking hash per user: what gets appended to the shared secret. */
export function passwordHashes(count = USERS) {
  return Array.from({ length: count }, () => `$2b$10$${randomBytes(40).toString('base64').slice(0, 53)}`);
}

/** One HS256 token per user, signed with that user's own secret; `sub` is the user's index. */
export function userTokens(base, hashes) {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const header = b64('{"alg":"HS256","typ":"JWT"}');
  return hashes.map((hash, i) => {
    const input = `${header}.${b64(JSON.stringify({ sub: String(i), purpose: 'password-reset', exp }))}`;
    return `${input}.${hs256(input, base + hash)}`;
  });
}

/** A token signed with a key the server does not have, whose `sub` is an array nested NESTING levels deep. */
export function nestedForgedToken() {
  const payload = `{"sub":${'['.repeat(NESTING)}"admin"${']'.repeat(NESTING)},"exp":${Math.floor(Date.now() / 1000) + 3600}}`;
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(payload)}`;
  return `${input}.${hs256(input, randomBytes(32))}`;
}

/** `a=%25%25&a=%25%25…` (13.5 KB, within Node's 16 KiB header limit): expensive to percent-decode, and no credential. */
export function percentQuery(pairs = PERCENT_PAIRS) {
  return Array.from({ length: pairs }, () => 'a=%25%25').join('&');
}
