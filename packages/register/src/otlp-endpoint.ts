/**
 * Where each signal goes, read from the standard `OTEL_EXPORTER_OTLP_*` environment exactly as the OTLP/HTTP
 * exporters read it: per-signal variables over the shared ones, `/v1/<signal>` appended to a shared endpoint only.
 */
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv, parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { resolve } from 'node:path';
import type { OtlpTarget } from './otlp-post';

export type Signal = 'traces' | 'logs' | 'metrics';
export type OtlpHttpProtocol = 'http/json' | 'http/protobuf';

export const CONTENT_TYPE: Record<OtlpHttpProtocol, string> = {
  'http/json': 'application/json',
  'http/protobuf': 'application/x-protobuf',
};

export interface SignalEndpoint {
  readonly signal: Signal;
  readonly protocol: OtlpHttpProtocol;
  readonly target: OtlpTarget;
  /** OTEL_EXPORTER_OTLP_TIMEOUT: the longest one export may take. */
  readonly timeoutMs: number;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

function signalOrShared(signal: Signal, name: string): string | undefined {
  return (
    getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${name}`) ??
    getStringFromEnv(`OTEL_EXPORTER_OTLP_${name}`)
  );
}

/** The signal's OTLP protocol as configured (trimmed; `http/protobuf` when unset), per-signal variable first. */
export function otlpProtocol(signal: Signal, env: NodeJS.ProcessEnv = process.env): string {
  const configured = [`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL']
    .map((name) => env[name]?.trim())
    .find(Boolean);
  return configured ?? 'http/protobuf';
}

function url(signal: Signal): string {
  const specific = getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`);
  if (specific) return new URL(specific).toString();
  const shared = getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_ENDPOINT;
  return new URL(`${shared.endsWith('/') ? shared : `${shared}/`}v1/${signal}`).toString();
}

function file(signal: Signal, name: string): string | undefined {
  const path = signalOrShared(signal, name);
  return path ? resolve(process.cwd(), path) : undefined;
}

/**
 * The OTLP/HTTP endpoint of a signal, or `undefined` when its exporter is not OTLP over HTTP (`OTEL_*_EXPORTER`
 * other than `otlp`, or the `grpc` protocol): those keep the SDK's own exporters.
 */
export function otlpHttpEndpoint(signal: Signal): SignalEndpoint | undefined {
  const exporters = getStringListFromEnv(`OTEL_${signal.toUpperCase()}_EXPORTER`) ?? [];
  if (exporters.length > 0 && !(exporters.length === 1 && exporters[0] === 'otlp')) return undefined;
  const protocol = otlpProtocol(signal);
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') return undefined;
  const headers = {
    ...parseKeyPairsIntoRecord(getStringFromEnv('OTEL_EXPORTER_OTLP_HEADERS')),
    ...parseKeyPairsIntoRecord(getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`)),
  };
  const timeoutMs =
    getNumberFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_TIMEOUT`) ??
    getNumberFromEnv('OTEL_EXPORTER_OTLP_TIMEOUT') ??
    10_000;
  return {
    signal,
    protocol,
    timeoutMs,
    target: {
      url: url(signal),
      headers,
      gzip: signalOrShared(signal, 'COMPRESSION')?.trim() === 'gzip',
      tls: {
        ca: file(signal, 'CERTIFICATE'),
        cert: file(signal, 'CLIENT_CERTIFICATE'),
        key: file(signal, 'CLIENT_KEY'),
      },
    },
  };
}
