/**
 * `tokentrail report` over a day of a busy service: 1,000,000 synthetic audit records (bench/support/synthetic-trail.mjs,
 * chained and sealed, as the Collector's file exporter writes them), reported by the CLI in its own process.
 * Measures wall time, CPU time and the process's peak resident memory (all threads), which must stay within
 * 256 MiB. The trail file is made once per size and seed and kept in the OS temp directory.
 *
 *   node bench/report-size.mjs [records=1000000]
 * Writes bench/results/report-size.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticTrail } from './support/synthetic-trail.mjs';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const LIMIT_MIB = 256;
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'packages', 'cli', 'build', 'bin.js');
const trail = join(tmpdir(), `tokentrail-bench-report-${RECORDS}-v3.jsonl`);

let generationSeconds = null;
if (!existsSync(trail)) {
  const started = performance.now();
  await writeSyntheticTrail(`${trail}.part`, { records: RECORDS });
  renameSync(`${trail}.part`, trail);
  generationSeconds = +((performance.now() - started) / 1000).toFixed(1);
}

const usageFile = join(tmpdir(), `tokentrail-bench-report-usage-${process.pid}.json`);
const html = join(tmpdir(), `tokentrail-bench-report-${process.pid}.html`);
const started = performance.now();
const run = spawnSync(
  process.execPath,
  ['--require', join(here, 'support', 'peak-rss.cjs'), cli, 'report', trail, '--out', html],
  {
    encoding: 'utf8',
    env: { ...process.env, PEAK_RSS_FILE: usageFile },
    maxBuffer: 1 << 24,
  },
);
const wallSeconds = (performance.now() - started) / 1000;
if (run.status !== 0)
  throw new Error(`tokentrail report exited ${run.status}:\n${run.stdout.slice(0, 2000)}\n${run.stderr}`);
const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
rmSync(usageFile);
const htmlBytes = statSync(html).size;
rmSync(html);

const result = {
  node: `Node ${process.version}`,
  records: RECORDS,
  fileMiB: +(statSync(trail).size / 2 ** 20).toFixed(0),
  wallSeconds: +wallSeconds.toFixed(1),
  cpuSeconds: +((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(1),
  peakRssMiB: +(usage.maxRSS / 1024).toFixed(0),
  limitMiB: LIMIT_MIB,
  htmlKiB: +(htmlBytes / 1024).toFixed(0),
  recordsPerCpuSecond: Math.round(RECORDS / ((usage.userCPUTime + usage.systemCPUTime) / 1e6)),
  verdict: run.stdout.split('\n')[0],
  generationSeconds,
};
console.log(result);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'report-size.json'), JSON.stringify(result, null, 2));
if (result.peakRssMiB > LIMIT_MIB) {
  console.error(`peak RSS ${result.peakRssMiB} MiB is above ${LIMIT_MIB} MiB`);
  process.exitCode = 1;
}
