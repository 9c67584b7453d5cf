/** A set of sequence numbers kept as sorted, disjoint ranges: a gap-free stream of a million numbers is one range. */
export class SeqRanges {
  /** Sorted by start; ranges never touch (adjacent ones are merged). */
  readonly #ranges: Array<[number, number]> = [];

  /** Index of the last range starting at or before `seq`, or -1. */
  #find(seq: number): number {
    let low = 0;
    let high = this.#ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.#ranges[middle]![0] <= seq) low = middle + 1;
      else high = middle - 1;
    }
    return high;
  }

  has(seq: number): boolean {
    const index = this.#find(seq);
    return index >= 0 && this.#ranges[index]![1] >= seq;
  }

  add(seq: number): void {
    const index = this.#find(seq);
    const before = this.#ranges[index];
    const after = this.#ranges[index + 1];
    if (before && before[1] >= seq) return;
    const joinsBefore = before !== undefined && before[1] === seq - 1;
    const joinsAfter = after !== undefined && after[0] === seq + 1;
    if (joinsBefore && joinsAfter) {
      before[1] = after[1];
      this.#ranges.splice(index + 1, 1);
    } else if (joinsBefore) before[1] = seq;
    else if (joinsAfter) after[0] = seq;
    else this.#ranges.splice(index + 1, 0, [seq, seq]);
  }
}
