/**
 * The `jwt.findings` counter: one increment per finding raised, by finding name, severity and operation. Never
 * sampled. Counted in process and reported when the SDK collects (an asynchronous counter): a finding is raised
 * on most operations, and a counter `add()` per finding costs more than the rest of the findings work together.
 * The attribute sets are bounded by the vocabularies (findings × operations).
 */
import { ValueType, type Meter } from '@opentelemetry/api';
import { FINDING_SEVERITY, type Finding } from '../policy/findings';
import { ATTR_JWT_FINDING_NAME, ATTR_JWT_FINDING_SEVERITY, ATTR_JWT_OPERATION, METRIC_JWT_FINDINGS } from '../semconv';

interface Tally {
  readonly attributes: Readonly<Record<string, string>>;
  value: number;
}

export class FindingCounter {
  private readonly tallies = new Map<string, Tally>();

  /** `operation`: the JWT operation that raised them, or undefined for a request's findings. */
  count(findings: readonly Finding[], operation: string | undefined): void {
    for (const finding of findings) {
      const key = `${finding}|${operation ?? ''}`;
      let tally = this.tallies.get(key);
      if (!tally) {
        const attributes: Record<string, string> = { [ATTR_JWT_FINDING_NAME]: finding, [ATTR_JWT_FINDING_SEVERITY]: FINDING_SEVERITY[finding] };
        if (operation !== undefined) attributes[ATTR_JWT_OPERATION] = operation;
        tally = { attributes, value: 0 };
        this.tallies.set(key, tally);
      }
      tally.value += 1;
    }
  }

  /** Reports the cumulative counts through `meter` from now on. */
  observeWith(meter: Meter): void {
    const counter = meter.createObservableCounter(METRIC_JWT_FINDINGS, {
      description: 'Policy findings raised, by finding.',
      unit: '{finding}',
      valueType: ValueType.INT,
    });
    counter.addCallback((result) => {
      for (const { attributes, value } of this.tallies.values()) result.observe(value, attributes);
    });
  }
}
