/**
 * Counts over time in bounded memory: buckets start at one minute and double in width whenever more than
 * {@link MAX_BUCKETS} would be needed, so a year of records keeps as few buckets as an hour does.
 */
const MINUTE = 60_000;
export const MAX_BUCKETS = 2048;

export interface Series<Part extends string> {
  /** Start of the first bucket, ISO 8601; null when nothing was counted. */
  readonly start: string | null;
  readonly bucketSeconds: number;
  readonly buckets: Array<Record<Part, number>>;
}

export class TimeSeries<Part extends string> {
  readonly #parts: readonly Part[];
  #width = MINUTE;
  /** Bucket index (time / width) → counts. */
  #buckets = new Map<number, Record<Part, number>>();
  #first = Infinity;
  #last = -Infinity;

  constructor(parts: readonly Part[]) {
    this.#parts = parts;
  }

  #empty(): Record<Part, number> {
    return Object.fromEntries(this.#parts.map((part) => [part, 0])) as Record<Part, number>;
  }

  add(timeMs: number, part: Part, weight: number): void {
    let index = Math.floor(timeMs / this.#width);
    this.#first = Math.min(this.#first, index);
    this.#last = Math.max(this.#last, index);
    while (this.#last - this.#first >= MAX_BUCKETS) {
      this.#widen();
      index = Math.floor(timeMs / this.#width);
    }
    let bucket = this.#buckets.get(index);
    if (!bucket) {
      bucket = this.#empty();
      this.#buckets.set(index, bucket);
    }
    bucket[part] += weight;
  }

  #widen(): void {
    const merged = new Map<number, Record<Part, number>>();
    for (const [index, counts] of this.#buckets) {
      const target = Math.floor(index / 2);
      let bucket = merged.get(target);
      if (!bucket) {
        bucket = this.#empty();
        merged.set(target, bucket);
      }
      for (const part of this.#parts) bucket[part] += counts[part];
    }
    this.#buckets = merged;
    this.#width *= 2;
    this.#first = Math.floor(this.#first / 2);
    this.#last = Math.floor(this.#last / 2);
  }

  /**
   * At most `maxBuckets` buckets from the first to the last counted (empty ones included), merged in equal
   * groups, each count rounded as `round` does.
   */
  series(maxBuckets: number, round: (n: number) => number): Series<Part> {
    if (this.#buckets.size === 0) return { start: null, bucketSeconds: this.#width / 1000, buckets: [] };
    const span = this.#last - this.#first + 1;
    const group = Math.ceil(span / maxBuckets);
    const buckets: Array<Record<Part, number>> = [];
    for (let index = this.#first; index <= this.#last; index++) {
      const slot = Math.floor((index - this.#first) / group);
      buckets[slot] ??= this.#empty();
      const counts = this.#buckets.get(index);
      if (counts) for (const part of this.#parts) buckets[slot]![part] += counts[part];
    }
    for (const bucket of buckets) for (const part of this.#parts) bucket[part] = round(bucket[part]);
    return {
      start: new Date(this.#first * this.#width).toISOString(),
      bucketSeconds: (this.#width * group) / 1000,
      buckets,
    };
  }
}
