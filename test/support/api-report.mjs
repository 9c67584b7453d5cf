/**
 * API reports of the published entry points: for each `exports` entry with declarations in a package.json
 * (the instrumentation's `.`, `./inspection`, `./audit-trail`; the CLI's `./verify`, `./scan`), API Extractor
 * writes the public surface it reaches to `<package>/api/<entry>.api.md`. The committed reports are what the
 * packages promise; a test fails when the built declarations no longer match them.
 *
 *   node test/support/api-report.mjs --update     (after pnpm build: rewrite the reports after a deliberate change)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPORTED_PACKAGES = ['instrumentation-jwt', 'cli'];

/** Every entry point with declarations: `{ dir, entry, types, reportName }`. */
export function entryPoints() {
  return REPORTED_PACKAGES.flatMap((name) => {
    const dir = join(root, 'packages', name);
    const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return Object.entries(exports)
      .filter(([, target]) => typeof target === 'object' && target.types)
      .map(([entry, target]) => ({
        dir,
        entry,
        types: target.types,
        reportName: entry === '.' ? 'index' : entry.slice(2),
      }));
  });
}

/** Runs API Extractor on one entry point; `update` rewrites the committed report, otherwise it is compared. */
export function reportOf({ dir, types, reportName }, { update = false } = {}) {
  const temp = mkdtempSync(join(tmpdir(), 'api-report-'));
  try {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: dir,
        mainEntryPointFilePath: join(dir, types),
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'es2022',
              lib: ['es2023'],
              module: 'node16',
              moduleResolution: 'node16',
              strict: true,
              skipLibCheck: true,
              types: ['node'],
              typeRoots: [join(dir, 'node_modules', '@types')],
            },
            include: [join(dir, 'build')],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: reportName,
          reportFolder: join(dir, 'api'),
          reportTempFolder: temp,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            default: { logLevel: 'none', addToApiReportFile: true },
            'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
            'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
            'ae-unresolved-link': { logLevel: 'none', addToApiReportFile: false },
          },
          tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
        },
      },
      configObjectFullPath: join(dir, 'api-extractor.json'),
      packageJsonFullPath: join(dir, 'package.json'),
    });
    const messages = [];
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      messageCallback: (message) => {
        if (message.logLevel === 'error' || message.logLevel === 'warning') messages.push(message.text);
        message.handled = true;
      },
    });
    return { changed: result.apiReportChanged, errors: result.errorCount, messages };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const update = process.argv.includes('--update');
  for (const entryPoint of entryPoints()) {
    const { changed, messages } = reportOf(entryPoint, { update });
    console.log(
      `${entryPoint.dir.slice(root.length + 1)}/api/${entryPoint.reportName}.api.md: ${changed ? (update ? 'rewritten' : 'DIFFERS') : 'unchanged'}`,
    );
    for (const message of messages) console.log(`  ${message}`);
  }
}
