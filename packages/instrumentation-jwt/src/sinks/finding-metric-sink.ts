/** The `jwt.findings` counter: one point per finding raised, by finding name and severity. Never sampled. */
import { ValueType, type Counter, type Meter } from '@opentelemetry/api';
import { FINDING_SEVERITY, type Finding } from '../policy/findings';
import { ATTR_JWT_FINDING_NAME, ATTR_JWT_FINDING_SEVERITY, ATTR_JWT_OPERATION, METRIC_JWT_FINDINGS } from '../semconv';

export function createFindingCounter(meter: Meter): Counter {
  return meter.createCounter(METRIC_JWT_FINDINGS, { description: 'Policy findings raised, by finding.', unit: '{finding}', valueType: ValueType.INT });
}

/** `operation`: the JWT operation that raised them, or undefined for a request's findings. */
export function countFindings(counter: Counter, findings: readonly Finding[], operation: string | undefined): void {
  for (const finding of findings) {
    const attributes: Record<string, string> = { [ATTR_JWT_FINDING_NAME]: finding, [ATTR_JWT_FINDING_SEVERITY]: FINDING_SEVERITY[finding] };
    if (operation !== undefined) attributes[ATTR_JWT_OPERATION] = operation;
    counter.add(1, attributes);
  }
}
