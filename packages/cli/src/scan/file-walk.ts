/**
 * The files under the paths given to `scan`: directories walked depth-first. A symbolic link named on the
 * command line is followed (the caller is told); links met inside a walk are never followed.
 */
import { lstat, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unreadable } from '../cli-errors';

async function statOf(path: string, follow: boolean) {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch (error) {
    throw unreadable(`${path}${follow ? ' (a symbolic link)' : ''}`, error);
  }
}

async function* walk(path: string, exclude: ReadonlySet<string>): AsyncGenerator<string> {
  const entries = [];
  try {
    for await (const entry of await opendir(path)) entries.push(entry);
  } catch (error) {
    throw unreadable(path, error);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (exclude.has(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* walk(child, exclude);
    else if (entry.isFile()) yield child;
  }
}

/** The regular files a path given on the command line leads to; `followed` is told when the path is a symbolic link. */
export async function* filesUnder(
  path: string,
  exclude: ReadonlySet<string>,
  followed: (path: string) => void = () => {},
): AsyncGenerator<string> {
  let stats = await statOf(path, false);
  if (stats.isSymbolicLink()) {
    stats = await statOf(path, true);
    followed(path);
  }
  if (stats.isFile()) yield path;
  else if (stats.isDirectory()) yield* walk(path, exclude);
}
