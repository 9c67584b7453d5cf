import { createNoopMeter, diag, type Counter, type DiagLogger, type Histogram, type Meter } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { types } from 'node:util';
import type { LibraryAdapter, Patcher } from './adapters/contract';
import { ADAPTERS } from './adapters/registry';
import { copySignature } from './adapters/function-properties';
import { observeHttpServers } from './adapters/http-server';
import { AuditPipeline } from './pipeline/pipeline';
import { PendingRevocationChecks } from './pipeline/revocation-check';
import { JwtSpanProcessor } from './sinks/scrubbing-span-processor';
import { redactingDiag, type PipelineHost } from './pipeline/pipeline-host';
import { HeldSecrets } from './pipeline/held-secrets';
import { FallbackKey, resolveSettings, type Settings } from './settings';
import { AuditTrail } from './sinks/audit-trail';
import { createDurationHistogram } from './sinks/metric-sink';
import { Detectors } from './detectors/detectors';
import {
  checkRevocation,
  Denylist,
  setRevocationRecorderEnabled,
  type Revocation,
  type RevocationRecorder,
} from './lifecycle/revocation';
import { createAlertCounter } from './sinks/alert-sink';
import { FindingCounter } from './sinks/finding-metric-sink';
import { recordRevocationIn } from './sinks/revocation-sink';
import type { JwtInstrumentationConfig, JwtLibrary } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/** Used while the base class constructor runs, before `_diag` exists. */
const startupDiag = redactingDiag(diag.createComponentLogger({ namespace: PACKAGE_NAME }));

/**
 * OpenTelemetry instrumentation for JWT libraries: every sign, verify, decode, decrypt and encrypt becomes a
 * redacted span, log record and metric point. See the package README for options and attributes.
 */
export class JwtInstrumentation extends InstrumentationBase<JwtInstrumentationConfig> {
  // Declared, not initialized: the base constructor calls setConfig() and _updateMetricInstruments() before
  // subclass field initializers would run, and an initializer would wipe what they set.
  declare private _settings: Settings;
  declare private _durationHistogram: Histogram;
  declare private _findingCounter: FindingCounter;
  declare private _alertCounter: Counter;
  declare private _detectors: Detectors | undefined;
  declare private _pipeline: AuditPipeline | undefined;
  declare private _stopObservingHttp: (() => void) | undefined;
  declare private _fallbackKey: FallbackKey;
  declare private _auditTrail: AuditTrail;
  declare private _denylist: Denylist;
  declare private _revocations: RevocationRecorder;

  constructor(config: JwtInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** Validates and applies a new configuration; throws a TypeError naming the option when it is invalid. */
  override setConfig(config: JwtInstrumentationConfig = {}): void {
    this._fallbackKey ??= new FallbackKey();
    const settings = resolveSettings(config, this._fallbackKey, (message) => this.safeDiag.warn(message));
    super.setConfig(config);
    this._settings = settings;
    if (this._auditTrail) this._auditTrail.configure(settings.auditTrail);
    else this._auditTrail = new AuditTrail(() => this.logger, settings.auditTrail);
    const { detectors, detectorMaxKeys } = settings.insight;
    this._detectors = detectors ? new Detectors(detectors, detectorMaxKeys) : undefined;
  }

  /**
   * Seals the audit trail so far with a closing `jwt.audit.checkpoint` (signed when a key is configured), so a
   * verifier can tell a complete trail from a truncated one. Call it before shutting the SDK down
   * (`@tokentrail/register` does); records emitted afterwards continue the trail and need another call.
   */
  closeAuditTrail(): void {
    try {
      this._auditTrail.close();
    } catch (error) {
      this.safeDiag.error('could not emit the closing audit checkpoint', error);
    }
  }

  /**
   * Records that a token was revoked, through this instrumentation only (the module-level `recordRevocation()`
   * reaches every enabled one): a `jwt.revoke` log record, a span event when a span is active, and the token's
   * `jti` and fingerprint on this instrumentation's denylist. Throws a TypeError when neither a token nor a jti
   * is given; never throws for a failure inside tokentrail; does nothing while the instrumentation is disabled.
   */
  recordRevocation(revocation: Revocation): void {
    this.revocations.record(checkRevocation(revocation));
  }

  private get revocations(): RevocationRecorder {
    if (!this._revocations) {
      const { host } = this.pipeline;
      this._revocations = { record: (revocation) => recordRevocationIn(host, revocation) };
    }
    return this._revocations;
  }

  /**
   * A span processor to add to the tracer provider (next to the exporting one): every span of a request that
   * carried a token, or verified, decoded or signed one, has the request's tokens and credentials replaced by
   * `REDACTED` as it ends, whoever made the span (instrumentation-http's `url.path`, `url.query`, captured
   * headers, …). It uses `SpanProcessor#onEnding` of `@opentelemetry/sdk-trace` 3.1.
   *
   * ```ts
   * const jwt = new JwtInstrumentation();
   * startNodeSdk({ instrumentations: [new HttpInstrumentation(), jwt], spanProcessors: [jwt.spanProcessor(), exporting] });
   * ```
   */
  spanProcessor(): JwtSpanProcessor {
    return new JwtSpanProcessor(this.pipeline.spanSecretSource(this.safeDiag));
  }

  /** Patches the libraries and starts observing HTTP servers. */
  override enable(): void {
    super.enable();
    setRevocationRecorderEnabled(this.revocations, true);
    if (!this._stopObservingHttp) {
      try {
        this._stopObservingHttp = observeHttpServers(this.pipeline, () => this._settings);
      } catch (error) {
        this.safeDiag.error('could not observe HTTP servers; requests will not be audited', error);
      }
    }
  }

  /** Restores the libraries' functions and stops observing HTTP servers. */
  override disable(): void {
    super.disable();
    setRevocationRecorderEnabled(this.revocations, false);
    this._stopObservingHttp?.();
    this._stopObservingHttp = undefined;
  }

  protected override _updateMetricInstruments(): void {
    this._durationHistogram = createDurationHistogram(this.meter);
    // One tally per instrumentation, kept across meter providers so counts stay cumulative.
    this._findingCounter ??= new FindingCounter();
    const findings = this._findingCounter;
    try {
      findings.observeWith(this.meter);
    } catch (error) {
      this.safeDiag.error('the meter could not create the jwt.findings counter; it will not be recorded', error);
    }
    this._alertCounter = this.counter(createAlertCounter);
  }

  /** A counter from the meter in force, or a no-op one (reported) when the meter cannot make it. */
  private counter(create: (meter: Meter) => Counter): Counter {
    try {
      return create(this.meter);
    } catch (error) {
      this.safeDiag.error('the meter could not create a counter; it will not be recorded', error);
      return create(createNoopMeter());
    }
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return ADAPTERS.map(
      (adapter) =>
        new InstrumentationNodeModuleDefinition(
          adapter.packageName,
          [...adapter.supportedVersions],
          adapter.main
            ? (exports) =>
                this.applyPatch(adapter, () => adapter.main!.patch(exports, this.patcher, this.pipeline), exports)
            : undefined,
          adapter.main
            ? (exports) => this.applyPatch(adapter, () => adapter.main!.unpatch(exports, this.patcher), exports)
            : undefined,
          adapter.files.map(
            (file) =>
              new InstrumentationNodeModuleFile(
                file.path,
                [...adapter.supportedVersions],
                (exports) => this.applyPatch(adapter, () => file.patch(exports, this.patcher, this.pipeline), exports),
                (exports) => this.applyPatch(adapter, () => file.unpatch(exports, this.patcher), exports),
              ),
          ),
        ),
    );
  }

  /**
   * Returns a copy of a library's exports with its operations recorded, for code the module hooks cannot
   * reach: a bundle that inlined the library, or a library loaded before the instrumentation was created.
   * `exports` is what `import * as jose from 'jose'` or `require('jsonwebtoken')` gives; it is not modified
   * (jose's `SignJWT` and `EncryptJWT` classes are shared, so their methods are patched in place). For jsonwebtoken
   * pass its CommonJS exports: `require('jsonwebtoken')`, or the default import; the same for fast-jwt.
   */
  wrapModule<T extends object>(library: JwtLibrary, exports: T): T {
    const adapter = ADAPTERS.find((candidate) => candidate.library === library);
    if (!adapter)
      throw new TypeError(
        `${PACKAGE_NAME}: wrapModule() supports ${ADAPTERS.map((a) => `"${a.library}"`).join(', ')} (got ${String(library)})`,
      );
    if (exports === null || typeof exports !== 'object')
      throw new TypeError(`${PACKAGE_NAME}: wrapModule() needs the module's exports object`);
    const copy = { ...exports };
    const patch = () => {
      adapter.main?.patch(copy, this.patcher, this.pipeline);
      for (const file of adapter.files) file.patch(copy, this.patcher, this.pipeline);
    };
    return this.applyPatch(adapter, patch, copy);
  }

  private _redactedDiag: DiagLogger | undefined;

  /** Every diagnostic tokentrail writes, redacted ({@link redactingDiag}); the startup logger until `_diag` exists. */
  private get safeDiag(): DiagLogger {
    if (!this._diag) return startupDiag;
    this._redactedDiag ??= redactingDiag(this._diag, () => this._pipeline?.heldSecrets() ?? []);
    return this._redactedDiag;
  }

  private get pipeline(): AuditPipeline {
    if (!this._pipeline) {
      const instrumentation = this;
      const host: PipelineHost = {
        get enabled() {
          return instrumentation.isEnabled();
        },
        get settings() {
          return instrumentation._settings;
        },
        get tracer() {
          return instrumentation.tracer;
        },
        get auditLog() {
          return instrumentation._auditTrail;
        },
        get denylist() {
          instrumentation._denylist ??= new Denylist();
          return instrumentation._denylist;
        },
        revocationChecks: new PendingRevocationChecks(),
        held: new HeldSecrets(),
        get durationHistogram() {
          return instrumentation._durationHistogram;
        },
        get findingCounter() {
          return instrumentation._findingCounter;
        },
        get alertCounter() {
          return instrumentation._alertCounter;
        },
        get detectors() {
          return instrumentation._detectors;
        },
        diag: this.safeDiag,
      };
      this._pipeline = new AuditPipeline(host);
    }
    return this._pipeline;
  }

  /** Fences a patch or unpatch: a library we cannot patch is left as it is, and the host keeps running. */
  private applyPatch<T>(adapter: LibraryAdapter, apply: () => void, exports: T): T {
    try {
      apply();
    } catch (error) {
      this.safeDiag.error(`could not (un)patch ${adapter.packageName}; it will not be recorded`, error);
    }
    return exports;
  }

  private get patcher(): Patcher {
    return {
      wrap: (target, name, wrapper) => {
        const current = (target as Record<string, unknown>)[name];
        if (typeof current !== 'function') return;
        // A real (frozen) module namespace cannot be changed; import-in-the-middle hands over proxies instead.
        if (types.isModuleNamespaceObject(target) && !types.isProxy(target)) {
          this.safeDiag.debug(`${name}: module namespace is not patchable here`);
          return;
        }
        this._wrap(target as Record<string, Function>, name, (original: Function) => {
          const replacement = (wrapper as (original: Function) => Function)(original);
          copySignature(original, replacement);
          return replacement;
        });
      },
      unwrap: (target, name) => {
        if (isWrapped((target as Record<string, unknown>)[name]))
          this._unwrap(target as Record<string, Function>, name);
      },
    };
  }
}
