/** `--from` and `--to`: the period a report covers, as instants (ISO 8601, or milliseconds since the epoch). */
import { UsageError } from '../cli-errors';

export interface Period {
  readonly from: number | undefined;
  readonly to: number | undefined;
}

function instant(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(
      `${option} must be an ISO 8601 date or time (2026-11-29T08:00:00Z) or milliseconds since the epoch (got "${value}")`,
    );
  return ms;
}

export function periodOf(from: string | undefined, to: string | undefined): Period {
  const period = { from: instant('--from', from), to: instant('--to', to) };
  if (period.from !== undefined && period.to !== undefined && period.from >= period.to)
    throw new UsageError('--from must be before --to');
  return period;
}

/** The period includes its start and excludes its end. */
export const inPeriod = (period: Period, ms: number): boolean =>
  (period.from === undefined || ms >= period.from) && (period.to === undefined || ms < period.to);
