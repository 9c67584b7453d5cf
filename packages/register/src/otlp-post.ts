/**
 * One OTLP/HTTP request: POST an already serialized payload and tell acknowledged from retryable from rejected,
 * as the OTLP specification reads the answer (2xx acknowledged; 429, 502, 503, 504 and network errors retryable;
 * any other status rejected). Plain Node, no OpenTelemetry, so the exit sender's child process starts fast.
 *
 * A request keeps the event loop alive only while a hold is on ({@link holdOpen}): at any other time a process
 * whose application has finished ends without waiting for telemetry, and what was in flight is handed to the
 * exit path like everything else not yet acknowledged.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';

/** Where and how one signal is sent. */
export interface OtlpTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Paths of PEM files (OTEL_EXPORTER_OTLP_CERTIFICATE, …_CLIENT_CERTIFICATE, …_CLIENT_KEY), for https. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** OTEL_EXPORTER_OTLP_COMPRESSION=gzip */
  readonly gzip?: boolean;
}

export type PostOutcome =
  | { readonly acknowledged: true }
  | { readonly acknowledged: false; readonly retryable: boolean; readonly reason: string };

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const active = new Set<Socket>();
let holds = 0;

function track(socket: Socket): void {
  active.add(socket);
  if (holds === 0) socket.unref();
  else socket.ref();
}

/**
 * Keeps the event loop alive for requests in flight (and those started meanwhile) until the returned release is
 * called; holds nest.
 */
export function holdOpen(): () => void {
  holds += 1;
  for (const socket of active) socket.ref();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
    if (holds === 0) for (const socket of active) socket.unref();
  };
}

type Request = (url: URL, options: RequestOptions, onResponse: (res: IncomingMessage) => void) => ClientRequest;
const modules: Partial<Record<'http:' | 'https:', { request: Request; readFile: (path: string) => Buffer }>> = {};

function transport(protocol: string): { request: Request; readFile: (path: string) => Buffer } {
  const key = protocol === 'https:' ? 'https:' : 'http:';
  // Loaded on first use, once instrumentation-http has patched the modules (and our requests run with tracing
  // suppressed by the caller, so they make no spans).
  modules[key] ??= {
    request: (key === 'https:' ? require('node:https') : require('node:http')).request,
    readFile: require('node:fs').readFileSync,
  };
  return modules[key];
}

/** POSTs `body` to the target; never rejects. */
export function postOtlp(
  target: OtlpTarget,
  body: Uint8Array,
  contentType: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: Socket | undefined;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      if (socket) active.delete(socket);
      resolve(outcome);
    };
    try {
      const url = new URL(target.url);
      const { request, readFile } = transport(url.protocol);
      const tls =
        url.protocol === 'https:' && target.tls
          ? Object.fromEntries(
              Object.entries(target.tls)
                .filter(([, path]) => path)
                .map(([name, path]) => [name, readFile(path!)]),
            )
          : {};
      const payload: Uint8Array = target.gzip ? require('node:zlib').gzipSync(body) : body;
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            ...target.headers,
            'content-type': contentType,
            'content-length': String(payload.byteLength),
            ...(target.gzip ? { 'content-encoding': 'gzip' } : {}),
          },
          ...tls,
        },
        (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('error', () => undefined);
          res.on('close', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) settle({ acknowledged: true });
            else settle({ acknowledged: false, retryable: RETRYABLE_STATUS.has(status), reason: `HTTP ${status}` });
          });
        },
      );
      req.on('socket', (assigned: Socket) => {
        socket = assigned;
        if (!settled) track(assigned);
      });
      req.setTimeout(Math.max(1, timeoutMs), () => {
        settle({ acknowledged: false, retryable: true, reason: `no answer within ${timeoutMs} ms` });
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        settle({ acknowledged: false, retryable: true, reason: error.code ?? error.message }),
      );
      req.end(payload);
    } catch (error) {
      settle({ acknowledged: false, retryable: false, reason: (error as Error).message });
    }
  });
}
