/**
 * The most frequent keys of a stream in bounded memory (Misra–Gries, pruned in batches): at most `capacity`
 * keys are kept between prunes and 2 × `capacity` at any time. While fewer distinct keys than that were seen,
 * every count is exact; after a prune, each kept count may be low by at most {@link HeavyHitters.error}, and a
 * key whose true count is above that error is never lost.
 */
export interface Tally<Part extends string> {
  total: number;
  parts: Record<Part, number>;
}

export class HeavyHitters<Part extends string = 'count'> {
  readonly #capacity: number;
  readonly #parts: readonly Part[];
  #counts = new Map<string, Tally<Part>>();
  #error = 0;

  constructor(parts: readonly Part[], capacity = 1000) {
    this.#parts = parts;
    this.#capacity = capacity;
  }

  /** Adds `weight` to `key`'s total once, and to each of its `parts`. */
  add(key: string, parts: Part | readonly Part[], weight: number): void {
    let tally = this.#counts.get(key);
    if (!tally) {
      if (this.#counts.size >= 2 * this.#capacity) this.#prune();
      tally = { total: 0, parts: Object.fromEntries(this.#parts.map((name) => [name, 0])) as Record<Part, number> };
      this.#counts.set(key, tally);
    }
    tally.total += weight;
    for (const part of typeof parts === 'string' ? [parts] : parts) tally.parts[part] += weight;
  }

  /** Keeps the `capacity` largest totals, each lowered by the largest one dropped (the Misra–Gries step). */
  #prune(): void {
    const sorted = [...this.#counts].sort((a, b) => b[1].total - a[1].total);
    const cut = sorted[this.#capacity]?.[1].total ?? 0;
    this.#error += cut;
    this.#counts = new Map();
    for (const [key, tally] of sorted.slice(0, this.#capacity)) {
      const scale = tally.total > 0 ? (tally.total - cut) / tally.total : 0;
      if (tally.total - cut <= 0) continue;
      for (const part of this.#parts) tally.parts[part] *= scale;
      tally.total -= cut;
      this.#counts.set(key, tally);
    }
  }

  /** How much any count may be below the truth: 0 while every key seen was kept. */
  get error(): number {
    return this.#error;
  }

  /** The `n` largest totals at or above `minimum`, largest first (ties by key, so the order is stable). */
  top(n: number, minimum = 0): Array<[string, Tally<Part>]> {
    return [...this.#counts]
      .filter(([, tally]) => tally.total >= minimum)
      .sort((a, b) => b[1].total - a[1].total || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, n);
  }

  /** Keys held now (all keys seen, while {@link error} is 0). */
  get size(): number {
    return this.#counts.size;
  }
}
