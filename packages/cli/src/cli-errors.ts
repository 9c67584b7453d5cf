/** The two ways a command fails before it can give a verdict; each has its own exit status. */

/** Wrong arguments: exit status 2, with the command's usage. */
export class UsageError extends Error {}

/** An unreadable file, malformed input or a bad key: exit status 2, the message names the file. */
export class InputError extends Error {}

/** `cannot read <what>: <the system's error code, or the message>`, for a file that could not be opened or read. */
export function unreadable(what: string, error: unknown): InputError {
  return new InputError(`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}

export const EXIT = { ok: 0, found: 1, error: 2 } as const;

/** What each exit status of a command means: its --help and its README table say exactly this. */
export type ExitStatusMeanings = Readonly<Record<(typeof EXIT)[keyof typeof EXIT], string>>;

/** The "Exit status: …" paragraph of a command's --help (markdown backticks dropped). */
export function exitStatusHelp(meanings: ExitStatusMeanings): string {
  return `Exit status: ${Object.entries(meanings)
    .map(([status, text]) => `${status} ${text.replaceAll('`', '')}`)
    .join('; ')}.`;
}

/**
 * Why a JSON text did not parse, by position only: the runtime's own message quotes the text around the error,
 * and the input may be anything, a token or a secret among it.
 */
export function jsonFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const where = /in JSON at position \d+(?: \(line \d+ column \d+\))?/.exec(message)?.[0];
  return where ? `not JSON (${where.replace(/^in JSON /, '')})` : 'not JSON';
}
