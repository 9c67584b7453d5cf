/** The two ways a command fails before it can give a verdict; each has its own exit status. */

/** Wrong arguments: exit status 2, with the command's usage. */
export class UsageError extends Error {}

/** An unreadable file, malformed input or a bad key: exit status 2, the message names the file. */
export class InputError extends Error {}

export const EXIT = { ok: 0, found: 1, error: 2 } as const;
