/** CPU-time helpers shared by benchmarks that compare side by side: the median of rounds, another process's CPU time. */
import { readFileSync } from 'node:fs';

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** CPU time (user + system) another process has used, in microseconds, from /proc/<pid>/stat. */
export function cpuMicrosOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}
