/** What the pipeline needs from the instrumentation, and the fence every pipeline step runs in. */
import type { Counter, DiagLogger, Histogram, Tracer } from '@opentelemetry/api';
import type { AuditLog } from '../sinks/audit-trail';
import type { Denylist } from '../lifecycle/revocation';
import type { PendingRevocationChecks } from './revocation-check';
import type { HeldSecrets } from './held-secrets';
import { diagnosticValue } from '../policy/diagnostic-text';
import type { Detectors } from '../detectors/detectors';
import type { FindingCounter } from '../sinks/finding-metric-sink';
import type { Settings } from '../settings';

/** Read on every operation, so provider and config changes apply at once. */
export interface PipelineHost {
  /** False once the instrumentation is disabled: calls still reach wrapped functions until they are restored. */
  readonly enabled: boolean;
  readonly settings: Settings;
  readonly tracer: Tracer;
  /** The instrumentation's audit trail: every audit log record goes through it. */
  readonly auditLog: AuditLog;
  /** The tokens revoked through this instrumentation. */
  readonly denylist: Denylist;
  /** The asynchronous `isRevoked` answers this instrumentation is waiting for. */
  readonly revocationChecks: PendingRevocationChecks;
  /** The operation being recorded, for the redacting diag. */
  readonly held: HeldSecrets;
  readonly durationHistogram: Histogram;
  readonly findingCounter: FindingCounter;
  readonly alertCounter: Counter;
  /** The misuse detectors for the settings in force; undefined when they are off. */
  readonly detectors: Detectors | undefined;
  readonly diag: DiagLogger;
}

const NOTHING_HELD = (): readonly string[] => [];

/**
 * A diagnostic logger that redacts what it is given ({@link diagnosticValue}) before `diag` logs it: by shape,
 * and by value, removing every secret `held()` returns at the moment of the message.
 */
export function redactingDiag(diag: DiagLogger, held: () => readonly string[] = NOTHING_HELD): DiagLogger {
  const level =
    (log: DiagLogger['error']): DiagLogger['error'] =>
    (message, ...args) => {
      const secrets = held();
      log.call(diag, String(diagnosticValue(message, secrets)), ...args.map((arg) => diagnosticValue(arg, secrets)));
    };
  return {
    error: level(diag.error),
    warn: level(diag.warn),
    info: level(diag.info),
    debug: level(diag.debug),
    verbose: level(diag.verbose),
  };
}

/** Runs one step; an internal error is reported through diag and never reaches the application. */
export function fenced(diag: DiagLogger, step: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    diag.error(`internal error in ${step}; the audit record may be incomplete`, error);
  }
}
