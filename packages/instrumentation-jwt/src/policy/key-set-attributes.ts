/**
 * The attributes of a key-set lookup. The JWKS URL is cut down to host, port and path: never its query string
 * (which may hold a client secret or an API key), its fragment or its user-info.
 */
import type { KeySetLookupEvent } from '../events/key-set-event';
import { MAX_STRING_LENGTH } from './claim-policy';
import type { AuditAttributes } from './redaction';
import { redactedPath } from './url-path';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_JWT_JWKS_CACHE,
  ATTR_JWT_JWKS_CLIENT,
  ATTR_JWT_JWKS_KEY_COUNT,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
} from '../semconv';

/** Host, port and path of the set's URL, or nothing when it does not parse. */
export function keySetLocation(url: string): AuditAttributes {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {};
  }
  const location: AuditAttributes = {
    [ATTR_SERVER_ADDRESS]: parsed.hostname.slice(0, MAX_STRING_LENGTH),
    [ATTR_URL_PATH]: redactedPath(parsed.pathname),
  };
  if (parsed.port) location[ATTR_SERVER_PORT] = Number(parsed.port);
  return location;
}

export function keySetAttributes(event: KeySetLookupEvent): AuditAttributes {
  const attributes: AuditAttributes = {
    [ATTR_JWT_JWKS_CLIENT]: event.client,
    ...keySetLocation(event.url),
    [ATTR_JWT_JWKS_CACHE]: event.cache,
  };
  if (event.status !== undefined && Number.isSafeInteger(event.status))
    attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = event.status;
  if (Array.isArray(event.keys)) attributes[ATTR_JWT_JWKS_KEY_COUNT] = event.keys.length;
  if (event.failure) {
    attributes[ATTR_JWT_VALIDATION_REASON] = event.failure.reason;
    attributes[ATTR_ERROR_TYPE] = event.failure.errorType;
  }
  return attributes;
}
