/**
 * The HTTP context of a request audit, under the stable HTTP semantic conventions: method, path (never the
 * query string, which can hold a token), route, status, client and user agent. Credentials never appear here.
 */
import type { RequestEnd, RequestStart } from '../events/request-event';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '../semconv';
import { MAX_STRING_LENGTH } from './claim-policy';
import { redactedPath } from './url-path';
import type { AuditAttributes } from './redaction';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

export function normalizedMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** Attributes known when the request arrives. */
export function requestStartAttributes(start: RequestStart): AuditAttributes {
  const attributes: AuditAttributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalizedMethod(start.method),
    [ATTR_URL_PATH]: redactedPath(start.path),
    [ATTR_URL_SCHEME]: start.scheme,
  };
  if (start.clientAddress) attributes[ATTR_CLIENT_ADDRESS] = start.clientAddress;
  if (start.peerAddress) attributes[ATTR_NETWORK_PEER_ADDRESS] = start.peerAddress;
  if (start.peerPort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = start.peerPort;
  if (start.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = start.serverPort;
  if (start.userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = start.userAgent.slice(0, MAX_STRING_LENGTH);
  return attributes;
}

/** Attributes known when the response is done. */
export function requestEndAttributes(end: RequestEnd, routeFromContext: string | undefined): AuditAttributes {
  const attributes: AuditAttributes = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: end.statusCode };
  const route = routeFromContext ?? end.route;
  if (route) attributes[ATTR_HTTP_ROUTE] = route.slice(0, MAX_STRING_LENGTH);
  return attributes;
}
