/**
 * The backends pnpm test:backends runs, built from pinned sources once per machine and then taken from a cache:
 * one Go module, tools/backends, holds the OpenTelemetry Collector (otelcol/: exactly the components
 * examples/deploy uses), Jaeger v2 (a `tool` of the module) and a MaxMind DB writer (geoip-testdb/: a test
 * database for the geoip processor). One module means one version of every shared dependency — Jaeger is built
 * on the same Collector release — so one `go build` compiles what the two share once. Prometheus comes from
 * the system's package manager. The cache key is the Go version and the module's go.mod, go.sum and sources,
 * so a version bump rebuilds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const MODULE = join(ROOT, 'tools/backends');
const SOURCES = ['.', 'otelcol', 'geoip-testdb'];
const JAEGER_PACKAGE = 'github.com/jaegertracing/jaeger/cmd/jaeger';
/** Jaeger v2 releases are tagged v1.x in its Go module (v1.76.0 is Jaeger 2.13.0). */
const JAEGER_V2 = { 'v1.76.0': '2.13.0' };

export class BackendsUnavailable extends Error {}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error?.code === 'ENOENT') return undefined;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

function goVersion() {
  const version = run('go', ['env', 'GOVERSION']);
  if (version === undefined) {
    throw new BackendsUnavailable(
      'pnpm test:backends needs Go 1.24 or later on PATH (and its module proxy) to build the OpenTelemetry Collector and Jaeger; `go` was not found. Nothing was run.',
    );
  }
  return version;
}

/** A module's required version, read from tools/backends/go.mod. */
export function requiredVersion(path) {
  const line = readFileSync(join(MODULE, 'go.mod'), 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith(`${path} `));
  if (!line) throw new Error(`tools/backends/go.mod does not require ${path}`);
  return line.trim().split(/\s+/)[1];
}

function cacheKey(go) {
  const hash = createHash('sha256').update(go);
  for (const dir of SOURCES) {
    for (const file of readdirSync(join(MODULE, dir))
      .filter((f) => /^go\.(mod|sum)$|\.go$/.test(f))
      .sort())
      hash.update(`${dir}/${file}`).update(readFileSync(join(MODULE, dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

const builds = new Set();

/** Stops builds still running (a run that timed out or failed must not leave them behind). */
let stopped = false;
export function stopBuilds() {
  stopped = true;
  for (const child of builds) child.kill('SIGKILL');
}

function goBuild(args, log) {
  return new Promise((resolve, reject) => {
    if (stopped) throw new Error('the run has ended');
    // -mod=readonly: the committed go.mod and go.sum are the whole truth; a missing checksum fails the build.
    const child = spawn('go', ['build', '-mod=readonly', '-trimpath', '-ldflags=-s -w', ...args], {
      cwd: MODULE,
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    builds.add(child);
    child.once('exit', () => builds.delete(child));
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`go build in tools/backends failed (exit ${code}):\n${output}`)),
    );
    log('building the Collector, Jaeger and geoip-testdb (go build in tools/backends; once per machine) …');
  });
}

/** Builds the Collector and Jaeger unless the cache has them; returns their paths and what it took. */
export async function goBinaries(log = console.log) {
  const go = goVersion();
  const cache = process.env.TOKENTRAIL_BACKENDS_CACHE ?? join(homedir(), '.cache', 'tokentrail-backends');
  const dir = join(cache, cacheKey(go));
  const binaries = {
    otelcol: join(dir, 'otelcol'),
    jaeger: join(dir, 'jaeger'),
    geoipTestdb: join(dir, 'geoip-testdb'),
  };
  const started = performance.now();
  let built = false;
  if (!Object.values(binaries).every((file) => existsSync(file))) {
    const staging = `${dir}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      await goBuild(['-o', `${staging}/`, './otelcol', './geoip-testdb', JAEGER_PACKAGE], log);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    built = true;
  }
  const jaegerModule = requiredVersion('github.com/jaegertracing/jaeger');
  return {
    ...binaries,
    built,
    seconds: (performance.now() - started) / 1000,
    versions: {
      go,
      collectorCore: requiredVersion('go.opentelemetry.io/collector/otelcol'),
      collectorContrib: requiredVersion(
        'github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor',
      ),
      jaeger: `${JAEGER_V2[jaegerModule] ?? '?'} (module ${jaegerModule})`,
    },
  };
}

/** Prometheus and promtool from PATH, installed with apt-get when absent and allowed; returns the version. */
export function prometheusBinaries(log = console.log) {
  const started = performance.now();
  let version = run('prometheus', ['--version']);
  if (version === undefined && process.getuid?.() === 0 && run('apt-get', ['--version']) !== undefined) {
    log('installing Prometheus (apt-get install prometheus) …');
    run('apt-get', ['update'], { stdio: 'ignore' });
    run('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    version = run('prometheus', ['--version']);
  }
  if (version === undefined || run('promtool', ['--version']) === undefined) {
    throw new BackendsUnavailable(
      'pnpm test:backends needs Prometheus 2.40 or later (prometheus and promtool on PATH; Debian: apt-get install prometheus). Nothing was run.',
    );
  }
  const [, major, minor] = version.match(/version (\d+)\.(\d+)/) ?? [];
  if (!(Number(major) > 2 || (Number(major) === 2 && Number(minor) >= 40)))
    throw new BackendsUnavailable(`Prometheus 2.40 or later is needed, found: ${version.split('\n')[0]}`);
  return {
    prometheus: 'prometheus',
    promtool: 'promtool',
    version: version.split('\n')[0].replace(/^prometheus, /, ''),
    seconds: (performance.now() - started) / 1000,
  };
}
