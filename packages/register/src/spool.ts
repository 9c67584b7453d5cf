/**
 * The local spool: OTLP requests the collector did not acknowledge before the process ended, kept on disk for
 * the next start to send. The fallback, not the main path (a container's disk is often gone by then).
 *
 * - One directory per service, owner-only (0700), files owner-only (0600); a directory that is a symbolic link
 *   or another user's is refused.
 * - One file per ending process, written under a temporary name and renamed into place, so a reader never sees
 *   half a file and two processes of one service never write the same file.
 * - A sender claims a file by renaming it to `<file>.sending-<pid>` (only one rename of a name can succeed), so
 *   two starting processes never send the same file; a claim left by a process that is gone is taken back.
 * - The directory is capped (`maxBytes`); what does not fit is counted and reported, never silently dropped.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SignalEndpoint, Signal } from './otlp-endpoint';
import { postOtlp } from './otlp-post';

export interface SpoolSettings {
  readonly dir: string;
  readonly maxBytes: number;
}

/** One spooled OTLP request. */
export interface SpoolEntry {
  readonly signal: Signal;
  readonly contentType: string;
  readonly count: number;
  readonly body: Uint8Array;
}

const SUFFIX = '.otlp';

/** The default spool directory: per user and per service, under the OS temporary directory. */
export function defaultSpoolDir(serviceName: string): string {
  const user = process.getuid?.() ?? 'user';
  return join(tmpdir(), `tokentrail-spool-${user}`, serviceName.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown_service');
}

const STICKY = 0o1000;

/**
 * Creates the spool directory owner-only, and refuses one that another user could swap under us: the directory
 * must be ours and not a symbolic link, and its parent ours or root's, and if others may write to the parent,
 * sticky (as /tmp is).
 */
function ownDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir} belongs to another user`);
  const parent = lstatSync(dirname(dir));
  if (uid !== undefined && parent.uid !== uid && parent.uid !== 0)
    throw new Error(`${dirname(dir)} belongs to another user`);
  if ((parent.mode & 0o022) !== 0 && (parent.mode & STICKY) === 0 && parent.uid !== uid)
    throw new Error(`${dirname(dir)} may be written by other users`);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function used(dir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (!name.includes(SUFFIX)) continue;
    try {
      bytes += statSync(join(dir, name)).size;
    } catch {
      // gone meanwhile
    }
  }
  return bytes;
}

function line(entry: SpoolEntry): string {
  return `${JSON.stringify({ signal: entry.signal, contentType: entry.contentType, count: entry.count, body: Buffer.from(entry.body).toString('base64') })}\n`;
}

function writeFile(dir: string, lines: string[]): string {
  const name = `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}${SUFFIX}`;
  const temporary = join(dir, `.${name}.tmp`);
  writeFileSync(temporary, lines.join(''), { mode: 0o600, flag: 'wx' });
  renameSync(temporary, join(dir, name));
  return join(dir, name);
}

export interface SpoolWrite {
  readonly path?: string;
  readonly spooled: readonly SpoolEntry[];
  readonly notSpooled: readonly SpoolEntry[];
  readonly error?: string;
}

/** Appends entries synchronously, as many as the cap allows. */
export function writeSpool(settings: SpoolSettings, entries: readonly SpoolEntry[]): SpoolWrite {
  try {
    ownDirectory(settings.dir);
    let room = settings.maxBytes - used(settings.dir);
    const spooled: SpoolEntry[] = [];
    const notSpooled: SpoolEntry[] = [];
    const lines: string[] = [];
    for (const entry of entries) {
      const text = line(entry);
      const bytes = Buffer.byteLength(text);
      if (bytes <= room) {
        room -= bytes;
        lines.push(text);
        spooled.push(entry);
      } else {
        notSpooled.push(entry);
      }
    }
    return {
      ...(lines.length > 0 ? { path: writeFile(settings.dir, lines) } : {}),
      spooled,
      notSpooled,
      error: notSpooled.length > 0 ? `the spool is full (${settings.maxBytes} bytes)` : undefined,
    };
  } catch (error) {
    return { spooled: [], notSpooled: entries, error: (error as Error).message };
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // a claim of ours from before this start (pid reuse, e.g. pid 1 in a container)
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parse(text: string): SpoolEntry[] {
  const entries: SpoolEntry[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    try {
      const { signal, contentType, count, body } = JSON.parse(raw);
      if (
        (signal === 'traces' || signal === 'logs' || signal === 'metrics') &&
        typeof contentType === 'string' &&
        typeof body === 'string'
      ) {
        entries.push({ signal, contentType, count: Number(count) || 0, body: Buffer.from(body, 'base64') });
      }
    } catch {
      // a damaged line is skipped; the others are still sent
    }
  }
  return entries;
}

export interface SpoolReplay {
  /** Items acknowledged by the collector. */
  sent: number;
  /** Items left in the spool for a later attempt. */
  kept: number;
  /** Items the collector refused for good. */
  rejected: number;
}

/**
 * Sends what earlier processes of this service spooled, and removes what the collector acknowledges. Stops at
 * the first retryable failure (the collector is not there yet) and keeps the rest for the next start.
 */
export async function sendSpool(
  settings: SpoolSettings,
  endpoints: Partial<Record<Signal, SignalEndpoint>>,
): Promise<SpoolReplay> {
  const result: SpoolReplay = { sent: 0, kept: 0, rejected: 0 };
  let names: string[];
  try {
    const stat = lstatSync(settings.dir);
    if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) return result;
    names = readdirSync(settings.dir);
  } catch {
    return result;
  }
  for (const name of names) {
    const claim = /^(.*\.otlp)\.sending-(\d+)$/.exec(name);
    if (claim && !alive(Number(claim[2]))) {
      try {
        renameSync(join(settings.dir, name), join(settings.dir, claim[1]!));
      } catch {
        // another start took it back first
      }
    }
  }
  let reachable = true;
  for (const name of readdirSync(settings.dir)
    .filter((n) => n.endsWith(SUFFIX))
    .sort()) {
    const claimed = join(settings.dir, `${name}.sending-${process.pid}`);
    try {
      renameSync(join(settings.dir, name), claimed);
    } catch {
      continue; // claimed by another process
    }
    const keep: string[] = [];
    for (const entry of parse(readFileSync(claimed, 'utf8'))) {
      const endpoint = endpoints[entry.signal];
      const outcome =
        reachable && endpoint
          ? await postOtlp(endpoint.target, entry.body, entry.contentType, endpoint.timeoutMs)
          : undefined;
      if (outcome?.acknowledged) {
        result.sent += entry.count;
      } else if (outcome && !outcome.retryable) {
        result.rejected += entry.count;
      } else {
        if (outcome) reachable = false;
        result.kept += entry.count;
        keep.push(line(entry));
      }
    }
    if (keep.length > 0) writeFile(settings.dir, keep);
    unlinkSync(claimed);
  }
  return result;
}
