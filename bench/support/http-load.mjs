/** What the HTTP benchmarks measure of one app process: its CPU time, and one autocannon run against it. */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** CPU time (user + system) a process has used, in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/**
 * One autocannon run against `GET /orders`, the tokens sent in turn; every response's latency, and any non-200
 * answer, is kept, with the app's CPU time per request.
 */
export async function load({ port, child }, seconds, connections, tokens) {
  const cpuBefore = cpuMicros(child.pid);
  let next = 0;
  const latencies = [];
  const statuses = new Map();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/orders`,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
  });
  const result = await instance;
  const cpuPerRequest = (cpuMicros(child.pid) - cpuBefore) / latencies.length;
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
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
