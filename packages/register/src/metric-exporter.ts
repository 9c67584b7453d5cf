/**
 * The OTLP/HTTP metric exporter of the exporter package (its temporality and aggregation settings from the
 * environment), sending through {@link postOtlp}: like the spans and log records, a metric export never keeps a
 * finished process alive. A failed export is not retried: the next one carries the cumulative state.
 */
import {
  createOtlpNetworkExportDelegate,
  OTLPExporterError,
  type IExporterTransport,
} from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExporterMetrics } from '@opentelemetry/otlp-exporter-base/node-http';
import { OTLPMetricExporterBase } from '@opentelemetry/exporter-metrics-otlp-http';
import {
  JsonMetricsSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import { CONTENT_TYPE, type SignalEndpoint } from './otlp-endpoint';
import { postOtlp } from './otlp-post';

function transport(endpoint: SignalEndpoint): IExporterTransport {
  return {
    async send(data, timeoutMillis) {
      const outcome = await postOtlp(endpoint.target, data, CONTENT_TYPE[endpoint.protocol], timeoutMillis);
      if (outcome.acknowledged) return { status: 'success' };
      return outcome.retryable
        ? { status: 'retryable', error: new OTLPExporterError(outcome.reason) }
        : { status: 'failure', error: new OTLPExporterError(outcome.reason) };
    },
    shutdown() {},
  };
}

export function createMetricExporter(endpoint: SignalEndpoint): OTLPMetricExporterBase {
  const serializer = endpoint.protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  const delegate = createOtlpNetworkExportDelegate(
    { timeoutMillis: endpoint.timeoutMs, concurrencyLimit: 30, compression: 'none' },
    serializer,
    createOtlpHttpExporterMetrics(
      'otlp_http_metric_exporter',
      MetricsExporterMetricsHelper,
      endpoint.target.url,
      undefined,
    ),
    transport(endpoint),
  );
  return new OTLPMetricExporterBase(delegate);
}
