/**
 * The leak scanner proves what it claims: a leak planted in each kind of exported data (span name, attribute,
 * event, status, resource; log body and attribute; metric name and point attribute), percent-encoded, registered
 * only after the export that carried it, or a binary key in hex, base64 or base64url, makes the test file that
 * exported it fail; the same file without a planted leak passes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { LeakScanner } from './support/leak-scanner.mjs';

const fixture = new URL('./fixtures/planted-leak.mjs', import.meta.url).pathname;
const KINDS = [
  'span-attribute',
  'event-attribute',
  'span-name',
  'status-message',
  'resource',
  'log-body',
  'log-attribute',
  'metric-attribute',
  'metric-name',
  'percent-encoded',
  'after-export',
  'key-hex',
  'key-base64',
  'key-base64url',
];

function runPlanted(kind) {
  const env = { ...process.env, PLANTED: kind };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--test', '--test-reporter=tap', fixture], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('a file that plants no leak passes (the control)', () => {
  const run = runPlanted('none');
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

for (const kind of KINDS) {
  test(`a leak planted in ${kind} makes the file fail`, () => {
    const run = runPlanted(kind);
    assert.notEqual(run.status, 0, `the planted ${kind} leak went unnoticed:\n${run.stdout}`);
    assert.match(
      run.stdout + run.stderr,
      /planted (token|key)|registered after export/,
      'the failure names the secret',
    );
  });
}

test('keys are registered in every encoding a leak would use', () => {
  const scanner = new LeakScanner();
  const key = Buffer.from('00ff10e0c0ffee4242deadbeef00112233445566778899aabbccddeeff', 'hex');
  scanner.registerKey(key, 'key');
  for (const form of [
    key.toString('hex'),
    key.toString('hex').toUpperCase(),
    key.toString('base64'),
    key.toString('base64url'),
  ]) {
    assert.ok(scanner.findLeak({ spans: [{ name: 'x', attributes: { v: `prefix ${form} suffix` } }] }), form);
  }
  assert.equal(scanner.findLeak({ spans: [{ name: 'x', attributes: { v: 'nothing here' } }] }), undefined);
});
