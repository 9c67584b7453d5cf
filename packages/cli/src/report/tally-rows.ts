/** Shared by the tallies: how counts are rounded and how bounded counts become rows. */
import type { HeavyHitters, Tally } from './heavy-hitters';
import type { Ranked } from './report-model';

/** Weighted counts keep two decimals (a weight of 1 / 0.3 is not a whole number). */
export const rounded = (n: number): number => Math.round(n * 100) / 100;

/** Rows shown for each ranked table. */
export const TOP_ROWS = 15;

export function ranked<Part extends string, Row>(
  counts: HeavyHitters<Part>,
  row: (key: string, tally: Tally<Part>) => Row,
  minimum = 0,
): Ranked<Row> {
  return { exact: counts.error === 0, rows: counts.top(TOP_ROWS, minimum).map(([key, tally]) => row(key, tally)) };
}

/** Keys of two parts joined by a character no attribute value holds here. */
export const SEPARATOR = '\u0000';

export const isoTime = (ms: number): string => new Date(ms).toISOString();
