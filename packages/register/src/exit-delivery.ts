/**
 * The last send, from the process's `exit` event: synchronous, because nothing asynchronous runs after it.
 * Everything not yet acknowledged is serialized here and POSTed by a short-lived child process started with
 * `spawnSync`, bounded by the time left; what the collector did not acknowledge by then goes to the spool; what
 * cannot be spooled either is counted and reported on stderr. Nothing is dropped without a word.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CONTENT_TYPE, type Signal } from './otlp-endpoint';
import type { LossCounts, UnacknowledgedPayload } from './exit-safe-processor';
import { writeSpool, type SpoolEntry, type SpoolSettings } from './spool';

const SENDER = join(__dirname, 'exit-sender.js');
/** Below this, a child process could not even start in time: spool at once. */
const MIN_SEND_MS = 150;
/** Left for the spool write and the report after the send. */
const SPOOL_RESERVE_MS = 50;

const NOUNS: Record<Signal, string> = { traces: 'spans', logs: 'log records', metrics: 'metric requests' };

export interface ExitReport {
  delivered: number;
  spooled: number;
  lost: number;
}

/** `3 spans and 5 log records` */
function describe(items: readonly { readonly signal: Signal; readonly count: number }[]): string {
  const totals = new Map<string, number>();
  for (const { signal, count } of items) totals.set(NOUNS[signal], (totals.get(NOUNS[signal]) ?? 0) + count);
  return [...totals].map(([noun, n]) => `${n} ${noun}`).join(' and ');
}

const counted = (payloads: readonly UnacknowledgedPayload[]) =>
  payloads.map(({ endpoint, count }) => ({ signal: endpoint.signal, count }));

/** POSTs the payloads from a child process until `deadline`; returns, per payload, the child's verdict if any. */
function sendSync(
  payloads: readonly UnacknowledgedPayload[],
  deadline: number,
): ('ok' | 'retry' | 'rejected' | undefined)[] {
  const verdicts: ('ok' | 'retry' | 'rejected' | undefined)[] = payloads.map(() => undefined);
  const timeout = deadline - SPOOL_RESERVE_MS - Date.now();
  if (timeout < MIN_SEND_MS) return verdicts;
  const input = JSON.stringify({
    deadline: deadline - SPOOL_RESERVE_MS - 20,
    requests: payloads.map(({ endpoint, body }) => ({
      target: endpoint.target,
      contentType: CONTENT_TYPE[endpoint.protocol],
      body: Buffer.from(body).toString('base64'),
    })),
  });
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawnSync(process.execPath, [SENDER], {
    input,
    timeout,
    killSignal: 'SIGKILL',
    env,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 1024 * 1024,
    windowsHide: true,
  });
  for (const row of (child.stdout?.toString('utf8') ?? '').split('\n')) {
    const [index, verdict] = row.split(' ');
    if (verdict === 'ok' || verdict === 'retry' || verdict === 'rejected') verdicts[Number(index)] = verdict;
  }
  return verdicts;
}

/**
 * Delivers what the queues still hold, synchronously, by `deadline`: a last send, then the spool. Reports on
 * stderr whatever was spooled or lost (including `losses` counted earlier), nothing when everything arrived.
 */
export function deliverSynchronously(
  payloads: readonly UnacknowledgedPayload[],
  losses: readonly (LossCounts & { signal: Signal })[],
  deadline: number,
  spool: SpoolSettings | undefined,
): ExitReport {
  const report: ExitReport = { delivered: 0, spooled: 0, lost: 0 };
  const lines: string[] = [];
  const verdicts = payloads.length > 0 ? sendSync(payloads, deadline) : [];
  const left: UnacknowledgedPayload[] = [];
  const refused: UnacknowledgedPayload[] = [];
  payloads.forEach((payload, i) => {
    if (verdicts[i] === 'ok') report.delivered += payload.count;
    else if (verdicts[i] === 'rejected') refused.push(payload);
    else left.push(payload);
  });
  if (refused.length > 0) lines.push(`${describe(counted(refused))} refused by the collector at exit; not delivered`);
  if (left.length > 0) {
    const entries: SpoolEntry[] = left.map(({ endpoint, body, count }) => ({
      signal: endpoint.signal,
      contentType: CONTENT_TYPE[endpoint.protocol],
      body,
      count,
    }));
    const written = spool
      ? writeSpool(spool, entries)
      : { spooled: [], notSpooled: entries, error: 'the spool is off' };
    if (written.spooled.length > 0)
      lines.push(
        `${describe(written.spooled)} not acknowledged by the collector at exit; spooled to ${written.path}, sent by the next start`,
      );
    if (written.notSpooled.length > 0)
      lines.push(
        `${describe(written.notSpooled)} not acknowledged by the collector at exit and not spooled (${written.error}); lost`,
      );
    report.spooled = written.spooled.reduce((n, e) => n + e.count, 0);
    report.lost += written.notSpooled.reduce((n, e) => n + e.count, 0);
  }
  report.lost += refused.reduce((n, p) => n + p.count, 0);
  for (const { signal, queueFull, rejected } of losses) {
    if (queueFull > 0)
      lines.push(
        `${queueFull} ${NOUNS[signal]} were dropped while running: the queue was full (raise the batch processor's queue size)`,
      );
    if (rejected > 0) lines.push(`${rejected} ${NOUNS[signal]} were refused by the collector while running`);
  }
  for (const text of lines) process.stderr.write(`[@tokentrail/register] ${text}\n`);
  return report;
}
