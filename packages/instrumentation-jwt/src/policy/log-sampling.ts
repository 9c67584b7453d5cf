/**
 * Volume control: log records of successful operations and requests can be sampled; every failure, new finding
 * (see operation-delivery.ts) and alert is kept. A kept sampled record carries `jwt.sampling.weight` = 1 / ratio, so counts can be
 * reconstructed by summing weights. The decision is made before a record is emitted, so a sampled-out record
 * takes no `jwt.audit.seq`: the sequence of emitted records stays gap-free. Metrics are never sampled.
 */

/** The weight to record: undefined to drop the record, 1 when it is always kept, 1 / ratio when sampled in. */
export function logSampleWeight(
  ratio: number,
  alwaysKept: boolean,
  random: () => number = Math.random,
): number | undefined {
  if (alwaysKept || ratio >= 1) return 1;
  return random() < ratio ? 1 / ratio : undefined;
}
