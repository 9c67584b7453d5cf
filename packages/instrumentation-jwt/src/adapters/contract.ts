/**
 * The contract between library adapters and the rest of the instrumentation.
 *
 * An adapter declares which module files it patches and, when one of those functions is called, asks the
 * {@link AuditRecorder} for an {@link OperationScope}, runs the library inside it and reports what happened.
 * It never sees a span, a log record or a metric.
 */
import type { JwtLibrary, JwtOperation, OperationResult } from '../events/audit-event';
import type { KeySetClient, KeySetLookupResult, KeySetLookupStart } from '../events/key-set-event';
import type { RequestEnd, RequestStart } from '../events/request-event';

/** One operation in flight. Every method is safe to call: internal errors never reach the caller. */
export interface OperationScope {
  /** Runs the library call so that work it starts (a key fetch, say) is attributed to this operation. */
  run<T>(fn: () => T): T;
  /**
   * Runs a synchronous library call that takes no callback: nothing it starts outlives it, so the operation's
   * context is not entered (cheaper on the hot path), but library calls nested in it are still not recorded twice.
   */
  runSync<T>(fn: () => T): T;
  /** Runs `fn` as the caller would have run it, outside this operation (used for user callbacks). */
  runAsCaller<T>(fn: () => T): T;
  /**
   * Records how the operation ended. Only the first call counts. `describe` runs fenced and only when
   * something will be recorded, so adapters may parse tokens in it freely.
   */
  end(describe: () => OperationResult): void;
}

/** One HTTP request that carried credentials, from arrival to response. */
export interface RequestScope {
  /** Records how the request ended. Only the first call counts. */
  end(describe: () => RequestEnd): void;
}

/** One lookup in a remote key set, from the call to the key function until it settles. */
export interface KeySetScope {
  /** Records how the lookup ended. Only the first call counts; `describe` runs fenced. */
  end(describe: () => KeySetLookupResult): void;
}

export interface AuditRecorder {
  /**
   * Starts recording an operation, or returns `undefined` when nothing should be recorded (the library is
   * switched off, or this call is nested inside another recorded operation): then call the library directly.
   */
  begin(operation: JwtOperation, library: JwtLibrary): OperationScope | undefined;
  /**
   * Called for every incoming request, synchronously before its handler runs. `describe` runs only when the
   * HTTP adapter is enabled; it returns `undefined` when the request carries no credential, and then nothing
   * is recorded. Operations started later in the same asynchronous flow belong to the returned scope.
   */
  beginRequest(describe: () => RequestStart | undefined): RequestScope | undefined;
  /**
   * Starts recording a lookup in a remote key set, or returns `undefined` when nothing should be recorded.
   * Called where the library asks for a key, so that the lookup belongs to the verify waiting for it.
   */
  beginKeySetLookup(describe: () => KeySetLookupStart): KeySetScope | undefined;
}

/** Replaces and restores functions on module exports; provided by the instrumentation base class. */
export interface Patcher {
  wrap(target: object, name: string, wrapper: (original: Function) => Function): void;
  unwrap(target: object, name: string): void;
}

/** A file inside a package, patched when it is loaded through `require` or `import`. */
export interface PatchedFile {
  /** Path as the module loader reports it: `<package>/<path inside the package>`. */
  readonly path: string;
  patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder): void;
  unpatch(exports: unknown, patcher: Patcher): void;
}

/** The configuration option that switches an adapter on and off (`{ fastJwt: { enabled: false } }`). */
export type AdapterOption = 'jose' | 'jsonwebtoken' | 'fastJwt' | 'hono' | 'jwks';

export interface LibraryAdapter {
  /** The JWT library, or the key-set client, whose operations the adapter reports. */
  readonly library: JwtLibrary | KeySetClient;
  /** Its configuration option: the package name in camelCase, or `jwks` for every key-set client. */
  readonly option: AdapterOption;
  /** The package name the module loader sees. */
  readonly packageName: string;
  /** semver ranges of the package this adapter is tested against. */
  readonly supportedVersions: readonly string[];
  /** Patches applied to the package's main export (CommonJS packages). */
  readonly main?: Omit<PatchedFile, 'path'>;
  /** Patches applied to files inside the package (ESM packages, reached by any import path). */
  readonly files: readonly PatchedFile[];
}
