/**
 * How `@tokentrail/register` configures instrumentation-http: its default redacted query parameters plus the
 * ones that carry tokens. Exported on its own so that a benchmark or an application starting the SDK itself
 * can configure instrumentation-http exactly as the register does.
 */
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';

/** Query parameters instrumentation-http redacts by default. */
const SERVER_QUERY_PARAMS_TO_REDACT = [
  'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token',
];

/** `tokenQueryParams`: the query parameters that carry tokens (tokentrail's `tokenSources.queryParams`). */
export function httpInstrumentationConfig(tokenQueryParams: readonly string[] = ['access_token', 'token', 'id_token']): HttpInstrumentationConfig {
  return { redactedQueryParamsServer: [...SERVER_QUERY_PARAMS_TO_REDACT, ...tokenQueryParams] };
}
