/** The checks both settings files make of a user's config: a bad option fails the same way, naming what it must be. */
import { PACKAGE_NAME } from './version';

/** Throws the TypeError of a bad option; only a string value is shown (keys and secrets are never strings here). */
export function configError(option: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? `"${got}"` : typeof got;
  throw new TypeError(`${PACKAGE_NAME}: config.${option} must be ${expected} (got ${shown})`);
}

/** A copy of an array of non-empty strings, or undefined when the option is not set. */
export function nonEmptyStrings(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string' && s.length > 0))
    configError(option, 'an array of non-empty strings', value);
  return [...value];
}
