/**
 * node:http and node:https servers, observed through diagnostics_channel (no patching, so it does not fight
 * instrumentation-http): `http.server.request.start` fires before the handler runs, `http.server.response.finish`
 * when the response is done. Only requests that carry a credential are recorded.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestEnd, RequestStart } from '../events/request-event';
import type { AuditRecorder, RequestScope } from './contract';
import { credentialsOf, type CredentialSources } from './http-credentials';
import { clientAddress, type TrustedProxies } from '../policy/trusted-proxies';
import { collectEmbeddedTokens } from '../jwt/embedded-tokens';

const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';

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

/** Every compact JWT written in the request target or any header value (User-Agent, X-Forwarded-For, Referer, …). */
function embeddedTokensOf(request: IncomingMessage): readonly string[] {
  if (request.url !== undefined) collectEmbeddedTokens(request.url, found);
  const raw = request.rawHeaders;
  for (let i = 1; i < raw.length; i += 2) collectEmbeddedTokens(raw[i]!, found);
  if (found.size === 0) return NONE;
  const tokens = [...found];
  found.clear();
  return tokens;
}
/** Reused by every request: the common request finds nothing and allocates nothing. */
const found = new Set<string>();
const NONE: readonly string[] = [];

function describeStart(message: ServerMessage, settings: HttpServerSettings): RequestStart | undefined {
  const { request, server } = message;
  const credentials = credentialsOf(request.headers, request.url, settings.credentialSources);
  const embeddedTokens = embeddedTokensOf(request);
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
    serverPort: socket?.localPort,
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
  const scopes = new WeakMap<IncomingMessage, RequestScope>();
  const onStart = (data: unknown) => {
    const message = data as ServerMessage;
    const scope = recorder.beginRequest(() => describeStart(message, settings()));
    if (!scope) return;
    scopes.set(message.request, scope);
    // A connection that closes before the response finished still ends the audit. The listener is added once
    // the request has been emitted, so that instrumentation-http (which binds the response to the request's
    // context as it emits it) runs it in this request's context, ahead of its own 'close' listener that ends
    // its server span: an aborted request's span is then scrubbed like any other.
    process.nextTick(() => message.response.prependOnceListener('close', () => scope.end(() => describeEnd(message, true))));
  };
  const onFinish = (data: unknown) => {
    const message = data as ServerMessage;
    const scope = scopes.get(message.request);
    if (!scope) return;
    // Ended from the response's own 'close' (which follows 'finish'): instrumentation-http binds the response to
    // the request's context, so the listener runs in this request's context even when requests are pipelined,
    // and prepended, it runs before instrumentation-http ends its span.
    message.response.prependOnceListener('close', () => scope.end(() => describeEnd(message, false)));
  };
  diagnosticsChannel.subscribe(REQUEST_START, onStart);
  diagnosticsChannel.subscribe(RESPONSE_FINISH, onFinish);
  return () => {
    diagnosticsChannel.unsubscribe(REQUEST_START, onStart);
    diagnosticsChannel.unsubscribe(RESPONSE_FINISH, onFinish);
  };
}
