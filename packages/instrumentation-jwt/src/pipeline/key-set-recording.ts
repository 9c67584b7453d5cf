/**
 * Recording key-set lookups: adapter → {@link KeySetLookupEvent} → policy (attributes, rotation) → sinks
 * (the `jwt.jwks.fetch` span, the `jwt.key.rotated` log record). Every step is fenced.
 */
import { context, type Context } from '@opentelemetry/api';
import type { KeySetScope } from '../adapters/contract';
import type { KeySetLookupEvent, KeySetLookupResult, KeySetLookupStart } from '../events/key-set-event';
import type { Nesting } from './operation-notes';
import type { RecordedRequest, RequestRecordings } from './request-recording';
import { fenced, type PipelineHost } from './pipeline-host';
import { keySetAttributes, keySetLocation } from '../policy/key-set-attributes';
import { KeyRotationTracker, kidsOf } from '../policy/key-rotation';
import { emitKeyRotatedLogRecord } from '../sinks/key-rotation-log-sink';
import { emitKeySetSpan } from '../sinks/key-set-span-sink';

class KeySetLookup implements KeySetScope {
  private ended = false;
  private readonly startTime = Date.now();
  private readonly startedAt = performance.now();
  private readonly parent: Context = context.active();
  /** The request the lookup was made for, if any. */
  private readonly request: RecordedRequest | undefined;

  constructor(
    private readonly host: PipelineHost,
    private readonly rotations: KeyRotationTracker,
    private readonly start: KeySetLookupStart,
    requests: RequestRecordings,
    private readonly nesting: Nesting,
  ) {
    this.request = requests.active();
  }

  end(describe: () => KeySetLookupResult): void {
    if (this.ended) return;
    this.ended = true;
    const duration = performance.now() - this.startedAt;
    const { host, parent } = this;
    const { diag, settings } = host;
    fenced(diag, 'recording a key-set lookup', () => {
      const event: KeySetLookupEvent = { ...describe(), ...this.start, startTime: this.startTime, duration };
      if (event.failure) {
        // Inside a verify, the verify's reason is corrected; before any (a middleware fetching the key first),
        // the request's outcome is.
        const notes = this.nesting.notes(parent);
        if (notes) notes.keySetFetchFailed ||= event.failure.reason === 'jwks_fetch_failed';
        else if (this.request) this.request.keySetFailure ??= event.failure.reason;
      }
      const attributes = keySetAttributes(event);
      if (settings.emitSpans) {
        fenced(diag, 'the key-set span sink', () =>
          emitKeySetSpan(
            host.tracer,
            parent,
            attributes,
            event.startTime,
            event.startTime + duration,
            event.failure?.reason,
          ),
        );
      }
      if (event.keys === undefined) return;
      const location = keySetLocation(event.url);
      const rotation = this.rotations.observe(JSON.stringify(location), kidsOf(event.keys));
      if (rotation && settings.emitLogRecords) {
        fenced(diag, 'the key rotation sink', () =>
          emitKeyRotatedLogRecord(host.auditLog, { ...attributes, ...location }, rotation, parent),
        );
      }
    });
  }
}

export class KeySetRecording {
  private readonly rotations = new KeyRotationTracker();

  constructor(
    private readonly host: PipelineHost,
    private readonly requests: RequestRecordings,
    private readonly nesting: Nesting,
  ) {}

  begin(describe: () => KeySetLookupStart): KeySetScope | undefined {
    try {
      const { enabled, settings } = this.host;
      if (!enabled || !settings.keySets) return undefined;
      return new KeySetLookup(this.host, this.rotations, describe(), this.requests, this.nesting);
    } catch (error) {
      this.host.diag.error('internal error starting a key-set lookup record; calling the library unrecorded', error);
      return undefined;
    }
  }
}
