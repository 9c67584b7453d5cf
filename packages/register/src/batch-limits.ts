/** The batch processors' sizes and delays from `OTEL_BSP_*` (spans) and `OTEL_BLRP_*` (log records), with the SDK's defaults. */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';

export interface BatchLimits {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

const DEFAULT_DELAY_MS = { OTEL_BSP: 5000, OTEL_BLRP: 1000 } as const;

function nonNegative(name: string, fallback: number): number {
  const value = getNumberFromEnv(name);
  if (value === undefined) return fallback;
  if (!(value >= 0)) {
    diag.warn(`${name} must not be negative (got ${value}); using ${fallback}`);
    return fallback;
  }
  return value;
}

export function batchLimitsFromEnv(prefix: 'OTEL_BSP' | 'OTEL_BLRP'): BatchLimits {
  const maxQueueSize = Math.max(1, nonNegative(`${prefix}_MAX_QUEUE_SIZE`, 2048));
  let maxExportBatchSize = Math.max(1, nonNegative(`${prefix}_MAX_EXPORT_BATCH_SIZE`, 512));
  if (maxExportBatchSize > maxQueueSize) {
    diag.warn(
      `${prefix}_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) exceeds ${prefix}_MAX_QUEUE_SIZE; using ${maxQueueSize}`,
    );
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: nonNegative(`${prefix}_SCHEDULE_DELAY`, DEFAULT_DELAY_MS[prefix]),
    exportTimeoutMs: nonNegative(`${prefix}_EXPORT_TIMEOUT`, 30_000),
  };
}
