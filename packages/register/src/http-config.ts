/**
 * How the register configures instrumentation-http: the query parameters it redacts in `url.query` (its own
 * defaults, the signed-URL parameters, and every token parameter, also with a `[]` suffix). instrumentation-http
 * matches names exactly; the scrubbing span processor catches every other spelling and place.
 * Exported on its own (`@tokentrail/register/http-config`) so that a benchmark or an application starting the
 * SDK itself can configure instrumentation-http exactly as the register does.
 */
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { DEFAULT_TOKEN_QUERY_PARAMS } from '@tokentrail/instrumentation-jwt';

/** Query parameters instrumentation-http redacts by default (signed URLs). */
const SERVER_QUERY_PARAMS_TO_REDACT = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

export function httpInstrumentationConfig(
  tokenQueryParams: readonly string[] = DEFAULT_TOKEN_QUERY_PARAMS,
): HttpInstrumentationConfig {
  return {
    redactedQueryParamsServer: [
      ...SERVER_QUERY_PARAMS_TO_REDACT,
      ...tokenQueryParams.flatMap((name) => [name, `${name}[]`]),
    ],
  };
}
