/** The two ways a command fails before it can give a verdict; each has its own exit status. */

/** Wrong arguments: exit status 2, with the command's usage. */
export class UsageError extends Error {}

/** An unreadable file, malformed input or a bad key: exit status 2, the message names the file. */
export class InputError extends Error {}

export const EXIT = { ok: 0, found: 1, error: 2 } as const;

/**
 * Why a JSON text did not parse, by position only: the runtime's own message quotes the text around the error,
 * and the input may be anything, a token or a secret among it.
 */
export function jsonFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const where = /in JSON at position \d+(?: \(line \d+ column \d+\))?/.exec(message)?.[0];
  return where ? `not JSON (${where.replace(/^in JSON /, '')})` : 'not JSON';
}
