/**
 * What the HTTP benchmarks do with one app process: start it and learn its port, read its CPU time, and load it
 * with one autocannon run.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { cpuMicrosOf, median } from './cpu.mjs';

export { median };

/**
 * Starts `node <args>` with `env` added to this process's environment; resolves once it prints `{"port": …}` on a
 * line of its own (diagnostics may come before it), and rejects if it ends first.
 */
export async function spawnReporting(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = text.match(/^\{"port":(\d+)\}$/m);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`${args.join(' ')} ended before printing its port:\n${text}`)));
  });
  return { child, port };
}

/** The requests of the HTTP benchmarks: `GET /orders` with each token in turn as its bearer credential. */
export const bearerTurns = (tokens) => (n) => ({
  path: '/orders',
  headers: { authorization: `Bearer ${tokens[n % tokens.length]}` },
});

/**
 * One autocannon run; request `n` is `next(n)` (its path and headers). Every response's latency and status is
 * kept, with the app's CPU time per request.
 */
export async function load({ port, child }, seconds, connections, next) {
  const cpuBefore = cpuMicrosOf(child.pid);
  let n = 0;
  const latencies = [];
  const statuses = new Map();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, ...next(n++) }) }],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
  });
  const result = await instance;
  const cpuPerRequest = (cpuMicrosOf(child.pid) - cpuBefore) / latencies.length;
  return {
    requests: latencies.length,
    rps: latencies.length / (result.duration ?? seconds),
    cpuPerRequest,
    latencies,
    statuses: Object.fromEntries(statuses),
    errors: result.errors,
  };
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
