/**
 * node:http and node:https servers, observed through diagnostics_channel (no patching, so it does not fight
 * instrumentation-http): `http.server.request.start` fires before the handler runs, and the response's 'close'
 * ends the audit. Only requests that carry a credential are recorded.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Credential, RequestEnd, RequestStart } from '../events/request-event';
import type { AuditRecorder } from './contract';
import { credentialsOf, type CredentialSources } from './http-credentials';
import { clientAddress, type TrustedProxies } from '../policy/trusted-proxies';
import { collectEmbeddedTokens } from '../jwt/embedded-tokens';

const REQUEST_START = 'http.server.request.start';

interface ServerMessage {
  readonly request: IncomingMessage & { route?: { path?: unknown } };
  readonly response: ServerResponse;
  readonly server?: Server;
}

/** What the observer reads of the settings in force, on every request. */
export interface HttpServerSettings {
  readonly credentialSources: CredentialSources;
  readonly trustedProxies: TrustedProxies;
}

/**
 * The path of a request target, without query or fragment; of an absolute-form target (`GET http://user:pw@host/p`)
 * only the path, never its user-info or host.
 */
function pathOf(target: string): string {
  if (!target.startsWith('/')) {
    try {
      return new URL(target).pathname;
    } catch {
      return '/';
    }
  }
  const end = target.search(/[?#]/);
  return end >= 0 ? target.slice(0, end) : target;
}

/** Whether a header value is, whole, a credential already found holding a token: nothing more to find in it. */
function isTokenCredential(value: string, credentials: readonly Credential[]): boolean {
  for (const credential of credentials) if (credential.token !== undefined && credential.value === value) return true;
  return false;
}

/**
 * Every compact JWT written in the request target or any header value (User-Agent, X-Forwarded-For, Referer, …)
 * other than a credential already found: an attacker's 14 KB bearer token is read once, not twice.
 */
function embeddedTokensOf(
  request: IncomingMessage,
  credentials: readonly Credential[],
  found: Set<string>,
): readonly string[] {
  try {
    if (request.url !== undefined) collectEmbeddedTokens(request.url, found);
    const raw = request.rawHeaders;
    for (let i = 1; i < raw.length; i += 2)
      if (!isTokenCredential(raw[i]!, credentials)) collectEmbeddedTokens(raw[i]!, found);
    return found.size === 0 ? NONE : [...found];
  } finally {
    found.clear();
  }
}
const NONE: readonly string[] = [];

/** Each connection's local port: Node asks the operating system for it on every read (a system call, about 1 µs). */
const localPorts = new WeakMap<Socket, number | undefined>();

function localPortOf(socket: Socket): number | undefined {
  if (localPorts.has(socket)) return localPorts.get(socket);
  const port = socket.localPort;
  // A socket not yet connected (or already closed) has none: asked again next time.
  if (port !== undefined) localPorts.set(socket, port);
  return port;
}

function describeStart(
  message: ServerMessage,
  settings: HttpServerSettings,
  found: Set<string>,
): RequestStart | undefined {
  const { request, server } = message;
  const credentials = credentialsOf(request.headers, request.url, settings.credentialSources);
  const embeddedTokens = embeddedTokensOf(request, credentials, found);
  if (credentials.length === 0 && embeddedTokens.length === 0) return undefined;
  const socket = request.socket as TLSSocket | undefined;
  const userAgent = request.headers['user-agent'];
  return {
    method: request.method ?? 'GET',
    path: pathOf(request.url ?? '/'),
    scheme: socket?.encrypted ? 'https' : 'http',
    // X-Forwarded-For only through trusted proxies: a client writes it as easily as a proxy does.
    clientAddress: clientAddress(settings.trustedProxies, socket?.remoteAddress, request.headers['x-forwarded-for']),
    peerAddress: socket?.remoteAddress,
    peerPort: socket?.remotePort,
    serverPort: socket && localPortOf(socket),
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
    credentials,
    embeddedTokens,
    // instrumentation-http wraps Server#emit and makes the server span there.
    handledElsewhere: (server?.emit as { __wrapped?: unknown } | undefined)?.__wrapped === true,
  };
}

function describeEnd({ request, response }: ServerMessage, aborted: boolean): RequestEnd {
  const route = request.route?.path;
  return { statusCode: response.statusCode, route: typeof route === 'string' ? route : undefined, aborted };
}

/** Starts observing every HTTP server in the process; returns the function that stops it. */
export function observeHttpServers(recorder: AuditRecorder, settings: () => HttpServerSettings): () => void {
  // Reused by every request (emptied after each): the common request finds nothing and allocates nothing.
  const found = new Set<string>();
  const onStart = (data: unknown) => {
    const message = data as ServerMessage;
    const scope = recorder.beginRequest(() => describeStart(message, settings(), found));
    if (!scope) return;
    // The audit ends on the response's own 'close', which follows 'finish' for a finished response and comes
    // alone when the connection closed first. The listener is added once the request has been emitted, so that
    // instrumentation-http (which binds the response to the request's context as it emits it) runs it in this
    // request's context even when requests are pipelined, and prepended, ahead of its own 'close' listener that
    // ends its server span: every request's span, aborted or not, is then scrubbed.
    process.nextTick(() =>
      message.response.prependOnceListener('close', () =>
        scope.end(() => describeEnd(message, !message.response.writableFinished)),
      ),
    );
  };
  diagnosticsChannel.subscribe(REQUEST_START, onStart);
  return () => diagnosticsChannel.unsubscribe(REQUEST_START, onStart);
}
