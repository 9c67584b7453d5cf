/**
 * Starts the real backends on loopback ports chosen at run time — Jaeger v2 (memory storage), the Collector with
 * the shipped examples/deploy configuration (plus the file-logs overlay and the endpoints overridden) and
 * Prometheus with the shipped prometheus.yml and alert-rules.yml — and stops every process it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from './binaries.mjs';

const DEPLOY = join(ROOT, 'examples/deploy');
const started = new Set();

/** A port the kernel just handed out on 127.0.0.1 (closed again before use). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Kills every process this module started and refuses to start more: what the end of a run calls, so that a
 * start-up still going on (a timed-out hook keeps running) cannot leave backends behind.
 */
let closed = false;
export function stopAll() {
  closed = true;
  for (const child of started) child.kill('SIGKILL');
}

// A run that ends by an exception or a signal still stops what it started.
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of started) child.kill('SIGKILL');
    process.exit(130);
  });
}

function startProcess(name, command, args, { env = {}, logDir }) {
  if (closed) throw new Error(`not starting ${name}: the run has ended`);
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  started.add(child);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    name,
    child,
    exited,
    logFile: join(logDir, `${name}.log`),
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Polls `url` until `ready(response)` holds, or fails with the process's log. */
async function waitUntil(proc, url, ready = (r) => r.ok, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let exit;
  proc.exited.then((result) => (exit = result));
  while (Date.now() < deadline) {
    if (exit)
      throw new Error(
        `${proc.name} exited (${exit.code ?? exit.signal}) while starting:\n${readFileSync(proc.logFile, 'utf8').slice(-4000)}`,
      );
    try {
      if (await ready(await fetch(url))) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `${proc.name} was not ready at ${url} within ${timeoutMs} ms:\n${readFileSync(proc.logFile, 'utf8').slice(-4000)}`,
  );
}

/** The Collector's command line: the shipped files, then the endpoints this run chose. */
export function collectorArgs({ ports, logsFile, auditFile, geoipDatabase }) {
  const configs = [
    'otel-collector.yaml',
    'otel-collector-file-logs.yaml',
    ...(geoipDatabase ? ['otel-collector-geoip.yaml'] : []),
  ];
  const set = {
    'receivers::otlp::protocols::grpc::endpoint': `127.0.0.1:${ports.otlpGrpc}`,
    'receivers::otlp::protocols::http::endpoint': `127.0.0.1:${ports.otlpHttp}`,
    'exporters::otlp/jaeger::endpoint': `127.0.0.1:${ports.jaegerOtlp}`,
    'exporters::prometheus::endpoint': `127.0.0.1:${ports.prometheusExporter}`,
    'exporters::file/logs::path': logsFile,
    'extensions::health_check::endpoint': `127.0.0.1:${ports.health}`,
    'service::telemetry::metrics::level': 'none',
    ...(geoipDatabase
      ? {
          'processors::geoip::providers::maxmind::database_path': geoipDatabase,
          'exporters::file/audit::path': auditFile,
        }
      : {}),
  };
  return [
    ...configs.map((file) => `--config=file:${join(DEPLOY, file)}`),
    ...Object.entries(set).map(([key, value]) => `--set=${key}=${value}`),
  ];
}

/** `collector validate` over the same command line; throws with the Collector's words when it refuses. */
export function validateCollector(otelcol, options) {
  const result = spawnSync(otelcol, ['validate', ...collectorArgs(options)], { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`the Collector rejects the shipped configuration:\n${result.stderr}${result.stdout}`);
}

/** The shipped prometheus.yml with this run's rule file path, scrape target and a 1 s scrape interval. */
function prometheusConfig(ports) {
  const config = parse(readFileSync(join(DEPLOY, 'prometheus.yml'), 'utf8'));
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = config.rule_files.map((file) => join(DEPLOY, file.split('/').at(-1)));
  for (const scrape of config.scrape_configs) {
    delete scrape.scrape_interval;
    scrape.static_configs = [{ targets: [`127.0.0.1:${ports.prometheusExporter}`] }];
  }
  return stringify(config);
}

/** Starts Jaeger, the Collector and Prometheus; returns their URLs and a stop() that ends all three. */
export async function startStack({ binaries, workDir, geoipDatabase }) {
  const names = [
    'jaegerOtlp',
    'jaegerQueryHttp',
    'jaegerQueryGrpc',
    'otlpGrpc',
    'otlpHttp',
    'prometheusExporter',
    'health',
    'prometheus',
  ];
  const ports = {};
  for (const name of names) ports[name] = await freePort();
  // The Loki stand-in; with the geoip overlay, the audit trail as emitted goes to its own file.
  const logsFile = join(workDir, 'collector-logs.jsonl');
  const auditFile = geoipDatabase ? join(workDir, 'collector-audit.jsonl') : logsFile;
  const procs = [];
  const stop = async () => {
    for (const proc of procs.toReversed()) await proc.stop();
  };
  try {
    const jaeger = startProcess(
      'jaeger',
      binaries.jaeger,
      [`--config=file:${join(ROOT, 'test/backends/jaeger.yaml')}`],
      {
        logDir: workDir,
        env: {
          JAEGER_OTLP_GRPC_PORT: String(ports.jaegerOtlp),
          JAEGER_QUERY_HTTP_PORT: String(ports.jaegerQueryHttp),
          JAEGER_QUERY_GRPC_PORT: String(ports.jaegerQueryGrpc),
        },
      },
    );
    procs.push(jaeger);
    const jaegerUrl = `http://127.0.0.1:${ports.jaegerQueryHttp}`;
    await waitUntil(jaeger, `${jaegerUrl}/api/services`);

    const options = { ports, logsFile, auditFile, geoipDatabase };
    validateCollector(binaries.otelcol, options);
    const collector = startProcess('collector', binaries.otelcol, collectorArgs(options), { logDir: workDir });
    procs.push(collector);
    await waitUntil(collector, `http://127.0.0.1:${ports.health}/`);

    const promConfig = join(workDir, 'prometheus.yml');
    writeFileSync(promConfig, prometheusConfig(ports));
    const prometheus = startProcess(
      'prometheus',
      binaries.prometheus,
      [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(workDir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      ],
      { logDir: workDir },
    );
    procs.push(prometheus);
    const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
    await waitUntil(prometheus, `${prometheusUrl}/-/ready`);

    return {
      ports,
      logsFile,
      auditFile,
      jaegerUrl,
      prometheusUrl,
      otlpEndpoint: `http://127.0.0.1:${ports.otlpHttp}`,
      collector,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
