/** The files under the paths given to `scan`: directories walked depth-first, symbolic links not followed. */
import type { Stats } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../cli-errors';

export async function* filesUnder(path: string, exclude: ReadonlySet<string>): AsyncGenerator<string> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (stats.isFile()) {
    yield path;
    return;
  }
  if (!stats.isDirectory()) return;
  const entries = [];
  for await (const entry of await opendir(path)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (exclude.has(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* filesUnder(child, exclude);
    else if (entry.isFile()) yield child;
  }
}
