/** The token `inspect` reads: the argument, or standard input for `-`; a `Bearer ` prefix and whitespace are dropped. */
import { readHeader, type JsonObject } from '@tokentrail/instrumentation-jwt/inspection';
import { InputError } from '../cli-errors';

export interface TokenInput {
  readonly token: string;
  readonly header: JsonObject;
  readonly kind: 'jws' | 'jwe';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readToken(argument: string): Promise<TokenInput> {
  const raw = argument === '-' ? await readStdin() : argument;
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const header = readHeader(token);
  const segments = token.split('.').length;
  if (!header || (segments !== 3 && segments !== 5)) {
    throw new InputError('not a compact JWT: expected three (JWS) or five (JWE) base64url segments with a JSON header');
  }
  return { token, header, kind: segments === 5 ? 'jwe' : 'jws' };
}
