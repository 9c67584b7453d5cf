/**
 * The resource detectors the register runs: those `OTEL_NODE_RESOURCE_DETECTORS` names (default
 * `service,host,process`), except that the process detector exports only the process id and the runtime's
 * name, version and description. The command line (`process.command_args`, `process.command`), the executable
 * path and title and the process owner can hold secrets (`--jwt-secret=…`) or personal data, so they are
 * exported only when `TOKENTRAIL_RESOURCE_PROCESS_DETAILS=true` asks for them.
 * (`OTEL_RESOURCE_ATTRIBUTES` is always read by the SDK: what it names, the user asked for.)
 */
import { diag } from '@opentelemetry/api';
import {
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
  serviceNameEnvDetector,
  type ResourceDetector,
} from '@opentelemetry/resources';

/** Process attributes that cannot hold a secret. */
const SAFE_PROCESS_ATTRIBUTES = [
  'process.pid',
  'process.runtime.name',
  'process.runtime.version',
  'process.runtime.description',
];

/** The process detector, keeping only {@link SAFE_PROCESS_ATTRIBUTES}. */
const safeProcessDetector: ResourceDetector = {
  detect(config) {
    const { attributes = {} } = processDetector.detect(config);
    return {
      attributes: Object.fromEntries(
        SAFE_PROCESS_ATTRIBUTES.filter((key) => key in attributes).map((key) => [key, attributes[key]]),
      ),
    };
  },
};

export function resourceDetectorsFromEnv(
  processDetails: boolean,
  env: NodeJS.ProcessEnv = process.env,
): ResourceDetector[] {
  let names = (env.OTEL_NODE_RESOURCE_DETECTORS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) names = ['service', 'host', 'process'];
  else if (names.includes('none')) return [];
  else if (names.includes('all')) names = ['host', 'process', 'service'];
  const detectors: ResourceDetector[] = [];
  for (const name of names) {
    if (name === 'process') detectors.push(processDetails ? processDetector : safeProcessDetector);
    else if (name === 'host') detectors.push(hostDetector, osDetector);
    else if (name === 'service') detectors.push(serviceInstanceIdDetector, serviceNameEnvDetector);
    else
      diag.warn(`@tokentrail/register: unknown resource detector "${name}" in OTEL_NODE_RESOURCE_DETECTORS; skipped`);
  }
  return detectors;
}
