/**
 * Reads audit log records from OTLP/JSON: the Collector file exporter's JSON lines (one export request per
 * line; trace and metric lines are skipped), or whole request bodies (one JSON document per file, or an
 * array of them). Files are read line by line; only a file that is one multi-line document is read whole.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  ATTR_JWT_AUDIT_CHAIN,
  ATTR_JWT_AUDIT_SEQ,
  ATTR_JWT_AUDIT_STREAM,
  type CanonicalEntry,
  type CanonicalValue,
} from '@tokentrail/instrumentation-jwt/audit-trail';
import { InputError, jsonFailure, unreadable } from '../cli-errors';
import { canonicalOfAnyValue, entriesOfKeyValues, MalformedOtlp } from './otlp-values';

export interface TrailRecord {
  /** `file:line` the record was read from. */
  readonly at: string;
  readonly stream: string;
  /** Undefined when the record's `jwt.audit.seq` is missing or not a positive integer. */
  readonly seq: number | undefined;
  readonly chain: string | undefined;
  readonly eventName: string | undefined;
  readonly time: string;
  readonly body: CanonicalValue;
  /** Every attribute but `jwt.audit.chain`, sorted. */
  readonly attributes: CanonicalEntry[];
  readonly service: string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed OTLP JSON, each field checked where it is read
type Json = Record<string, any>;

function stringOf(value: CanonicalValue | undefined): string | undefined {
  return value?.[0] === 's' ? value[1] : undefined;
}

function recordOf(logRecord: Json, service: string | undefined, at: string): TrailRecord | undefined {
  const entries = entriesOfKeyValues(logRecord.attributes ?? []);
  const stream = stringOf(entries.find(([key]) => key === ATTR_JWT_AUDIT_STREAM)?.[1]);
  if (stream === undefined) return undefined;
  const seqValue = entries.find(([key]) => key === ATTR_JWT_AUDIT_SEQ)?.[1];
  const seq = seqValue?.[0] === 'i' ? Number(seqValue[1]) : undefined;
  const chain = stringOf(entries.find(([key]) => key === ATTR_JWT_AUDIT_CHAIN)?.[1]);
  const time = logRecord.timeUnixNano === undefined ? '0' : BigInt(logRecord.timeUnixNano).toString();
  return {
    at,
    stream,
    seq: seq !== undefined && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined,
    chain: chain !== undefined && /^[0-9a-f]{64}$/.test(chain) ? chain : undefined,
    eventName: typeof logRecord.eventName === 'string' ? logRecord.eventName : undefined,
    time,
    body: canonicalOfAnyValue(logRecord.body),
    attributes: entries.filter(([key]) => key !== ATTR_JWT_AUDIT_CHAIN),
    service,
  };
}

/** The audit records of one export request; `{ skipped }` counts log records that are not audit records. */
function* recordsOfRequest(request: unknown, at: string, counts: { skipped: number }): Generator<TrailRecord> {
  if (request === null || typeof request !== 'object' || Array.isArray(request))
    throw new MalformedOtlp('not an OTLP/JSON export request');
  const { resourceLogs } = request as Json;
  if (resourceLogs === undefined) return; // a trace or metric export
  if (!Array.isArray(resourceLogs)) throw new MalformedOtlp('resourceLogs must be an array');
  for (const resourceLog of resourceLogs) {
    const service = stringOf(
      entriesOfKeyValues(resourceLog?.resource?.attributes ?? []).find(([key]) => key === 'service.name')?.[1],
    );
    for (const scopeLog of resourceLog?.scopeLogs ?? []) {
      for (const logRecord of scopeLog?.logRecords ?? []) {
        const record = recordOf(logRecord, service, at);
        if (record) yield record;
        else counts.skipped += 1;
      }
    }
  }
}

function parse(text: string, at: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${at}: ${jsonFailure(error)}`);
  }
}

function* fromDocument(document: unknown, at: string, counts: { skipped: number }): Generator<TrailRecord> {
  try {
    for (const request of Array.isArray(document) ? document : [document]) yield* recordsOfRequest(request, at, counts);
  } catch (error) {
    if (error instanceof InputError) throw error;
    // A runtime error's message may quote the input (`Cannot convert <value> to a BigInt`): only its kind is reported.
    const what = error instanceof MalformedOtlp ? error.message : error instanceof Error ? error.name : 'error';
    throw new InputError(`${at}: malformed OTLP/JSON: ${what}`);
  }
}

/** The records of a file's lines, or of the whole file when its first line is not a complete JSON document. */
async function* readLines(file: string, counts: { skipped: number }): AsyncGenerator<TrailRecord> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  let parsedAny = false;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === '') continue;
    let document: unknown;
    try {
      document = JSON.parse(line);
    } catch (error) {
      if (parsedAny) throw new InputError(`${file}:${number}: ${jsonFailure(error)}`);
      // Not JSON lines: one (pretty-printed) request body, or an array of them.
      lines.close();
      input.destroy();
      yield* fromDocument(parse(await readFile(file, 'utf8'), file), file, counts);
      return;
    }
    parsedAny = true;
    yield* fromDocument(document, `${file}:${number}`, counts);
  }
}

/** Streams the audit records of one file; unreadable files and malformed content throw an InputError. */
export async function* readTrailFile(file: string, counts: { skipped: number }): AsyncGenerator<TrailRecord> {
  try {
    yield* readLines(file, counts);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unreadable(file, error);
  }
}
