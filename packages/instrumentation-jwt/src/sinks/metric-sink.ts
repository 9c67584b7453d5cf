/** The `jwt.operation.duration` histogram. */
import { ValueType, type Histogram, type Meter } from '@opentelemetry/api';
import { METRIC_JWT_OPERATION_DURATION } from '../semconv';
import type { RecordedOperation } from './recorded-operation';

/** JWT operations take from tens of microseconds (HMAC) to tens of milliseconds (RSA sign, key fetch). */
const BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export function createDurationHistogram(meter: Meter): Histogram {
  return meter.createHistogram(METRIC_JWT_OPERATION_DURATION, {
    description: 'Duration of JWT operations (sign, verify, decode, decrypt, encrypt).',
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: BUCKETS_SECONDS },
  });
}

export function recordDuration(histogram: Histogram, { event, dimensions }: RecordedOperation): void {
  histogram.record(event.duration, dimensions);
}
