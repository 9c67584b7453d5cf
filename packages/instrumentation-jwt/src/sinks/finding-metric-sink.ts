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
  /** The tallies of a frozen list of findings (the finding cache shares one per token), by operation. */
  private readonly byList = new WeakMap<readonly Finding[], Map<string | undefined, readonly Tally[]>>();

  /** `operation`: the JWT operation that raised them, or undefined for a request's findings. */
  count(findings: readonly Finding[], operation: string | undefined): void {
    if (findings.length === 0) return;
    // A frozen list is shared by every use of its token: its tallies are looked up once.
    if (Object.isFrozen(findings)) {
      let byOperation = this.byList.get(findings);
      if (!byOperation) {
        byOperation = new Map();
        this.byList.set(findings, byOperation);
      }
      let tallies = byOperation.get(operation);
      if (!tallies) {
        tallies = findings.map((finding) => this.tally(finding, operation));
        byOperation.set(operation, tallies);
      }
      for (const tally of tallies) tally.value += 1;
      return;
    }
    for (const finding of findings) this.tally(finding, operation).value += 1;
  }

  private tally(finding: Finding, operation: string | undefined): Tally {
    const key = `${finding}|${operation ?? ''}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      const attributes: Record<string, string> = {
        [ATTR_JWT_FINDING_NAME]: finding,
        [ATTR_JWT_FINDING_SEVERITY]: FINDING_SEVERITY[finding],
      };
      if (operation !== undefined) attributes[ATTR_JWT_OPERATION] = operation;
      tally = { attributes, value: 0 };
      this.tallies.set(key, tally);
    }
    return tally;
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
