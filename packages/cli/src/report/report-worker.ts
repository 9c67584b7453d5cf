/**
 * Builds the report in a worker thread whose young generation is capped: reading a file is a stream of short-lived
 * objects, and V8 left to itself lets the young generation (and what it promotes) grow far beyond what the
 * report keeps. With the cap, a million records report within 256 MiB of resident memory (BENCHMARKS.md).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../cli-errors';
import type { VerifyOptions } from '../verify/trail-verifier';
import { buildReport } from './report-builder';
import type { ReportData } from './report-model';
import type { Period } from './report-period';

/** Young generation of the worker, MiB: small enough for the resident memory, large enough not to slow the scavenges. */
const YOUNG_GENERATION_MB = 8;

interface Job {
  readonly files: string[];
  readonly period: Period;
  readonly options: VerifyOptions;
}
type Outcome = { readonly data: ReportData } | { readonly inputError: string };

export function buildReportInWorker(files: string[], period: Period, options: VerifyOptions): Promise<ReportData> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, {
      workerData: { files, period, options } satisfies Job,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    worker.once('message', (outcome: Outcome) =>
      'data' in outcome ? resolve(outcome.data) : reject(new InputError(outcome.inputError)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the report worker stopped (exit ${code})`)));
  });
}

if (!isMainThread && parentPort) {
  const { files, period, options } = workerData as Job;
  const port = parentPort;
  buildReport(files, period, options).then(
    (data) => port.postMessage({ data } satisfies Outcome),
    (error: unknown) => {
      if (error instanceof InputError) port.postMessage({ inputError: error.message } satisfies Outcome);
      else throw error;
    },
  );
}
