/**
 * Starts an application under `node --import @tokentrail/register` (or `--require` for CommonJS, or another
 * `preload`), exporting
 * to the given OTLP endpoint with short export intervals, and waits until it prints the URL it listens on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export async function runApp(
  appPath,
  {
    endpoint,
    protocol = 'http/protobuf',
    flag = '--import',
    preload = '@tokentrail/register',
    env = {},
    node = process.execPath,
    startTimeoutMs = 20_000,
    args = [],
  } = {},
) {
  // A spool of its own (removed when the app ends) unless the caller gives one: what one test's app spools at
  // exit must not be sent into the next test's receiver by the next start.
  const ownSpool =
    env.TOKENTRAIL_SPOOL_DIR === undefined ? mkdtempSync(join(tmpdir(), 'tokentrail-run-app-')) : undefined;
  const child = spawn(node, [flag, preload, appPath, ...args], {
    cwd: dirname(appPath),
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'tokentrail-example',
      ...(endpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } : {}),
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      ...(ownSpool ? { TOKENTRAIL_SPOOL_DIR: ownSpool } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  if (ownSpool) void exited.then(() => rmSync(ownSpool, { recursive: true, force: true }));
  const url = await new Promise((resolve, reject) => {
    // An app that does not come up is killed: a child left running would keep the caller's process alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app did not start within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    const onData = () => {
      const match = stdout.match(/listening on (http:\/\/[^\s]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    exited.then(({ code, signal }) =>
      reject(new Error(`app exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`)),
    );
  });
  return {
    url,
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Sends a signal (SIGTERM by default) and waits for the process to end; SIGKILL after `killAfterMs`. */
    async stop(signal = 'SIGTERM', { killAfterMs = 45_000 } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
