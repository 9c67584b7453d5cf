/**
 * The published entry points expose what their API reports say, and nothing else: the main entry the class,
 * its configuration types and the vocabularies; `./inspection` what `tokentrail inspect` shares with the
 * instrumentation; `./audit-trail` what a trail verifier needs; the CLI's `./verify` and `./scan`. A change to
 * any of them shows as a difference from the committed report (`pnpm api:update` rewrites the reports after a
 * deliberate change, to be reviewed and committed with it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entryPoints, reportOf } from './support/api-report.mjs';

const entries = entryPoints();
// The reports depend on the declarations only, not on the runtime: checked once, on Node 24.
const skip = process.versions.node.split('.')[0] !== '24' && 'checked on Node 24';

test('every entry point with declarations has a report', () => {
  assert.deepEqual(entries.map(({ entry }) => entry).sort(), [
    '.',
    './audit-trail',
    './inspection',
    './scan',
    './verify',
  ]);
});

for (const entryPoint of entries) {
  test(`the API of ${entryPoint.dir.split('/').at(-1)} ${entryPoint.entry} matches api/${entryPoint.reportName}.api.md`, {
    skip,
  }, () => {
    const { changed, errors, messages } = reportOf(entryPoint);
    assert.equal(errors, 0, messages.join('\n'));
    assert.equal(
      changed,
      false,
      `the public API changed: review it, then run pnpm api:update and commit the report\n${messages.join('\n')}`,
    );
  });
}
