/** The batch processors' sizes and delays from `OTEL_BSP_*` (spans) and `OTEL_BLRP_*` (log records), with the SDK's defaults. */
import { diag } from '@opentelemetry/api';

export interface BatchLimits {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

const DEFAULT_DELAY_MS = { OTEL_BSP: 5000, OTEL_BLRP: 1000 } as const;

/** A number of at least 0 from `env[name]`, or `fallback` (with a warning when the value is not one). */
function nonNegative(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!(value >= 0)) {
    diag.warn(`${name} must be a number of at least 0 (got "${text}"); using ${fallback}`);
    return fallback;
  }
  return value;
}

export function batchLimitsFromEnv(
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
  env: NodeJS.ProcessEnv = process.env,
): BatchLimits {
  const maxQueueSize = Math.max(1, nonNegative(env, `${prefix}_MAX_QUEUE_SIZE`, 2048));
  let maxExportBatchSize = Math.max(1, nonNegative(env, `${prefix}_MAX_EXPORT_BATCH_SIZE`, 512));
  if (maxExportBatchSize > maxQueueSize) {
    diag.warn(
      `${prefix}_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) exceeds ${prefix}_MAX_QUEUE_SIZE; using ${maxQueueSize}`,
    );
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: nonNegative(env, `${prefix}_SCHEDULE_DELAY`, DEFAULT_DELAY_MS[prefix]),
    exportTimeoutMs: nonNegative(env, `${prefix}_EXPORT_TIMEOUT`, 30_000),
  };
}
