/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core. The page must load
 * with no console error and without a single request leaving it, show in every section exactly the figures of
 * `--json`, say NOT VERIFIED at the top for a tampered trail, and render for print. A screenshot of the first
 * page is written to test/browser/output/report-first-page.png (the picture in packages/cli/README.md is one).
 *
 *   pnpm test:browser     (Chromium at /usr/bin/chromium: apt-get install chromium)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeSyntheticTrail } from '../../bench/support/synthetic-trail.mjs';
import { CLI, tempDir, writeJsonLines } from '../support/audit-trail-run.mjs';
import { runScenario } from '../support/report-scenario.mjs';
import { random, TAMPERS } from '../support/tamper.mjs';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const SCREENSHOT = join(OUTPUT, 'report-first-page.png');
const dir = tempDir('tokentrail-report-browser-');
let browser;

function report(name, trail, ...options) {
  const html = join(dir, `${name}.html`);
  const run = spawnSync(process.execPath, [CLI, 'report', basename(trail), '--json', '--out', html, ...options], {
    encoding: 'utf8',
    cwd: dirname(trail),
  });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return { html, json: JSON.parse(run.stdout), status: run.status };
}

/** Opens a report; every request the page makes, every console error and page error is collected. */
async function open(html) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === pathToFileURL(html).href ? route.continue() : route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  return { page, context, requests, errors };
}

/** Every figure the page shows, with the JSON path it claims to show. */
const marked = (page) =>
  page.$$eval('[data-path]', (elements) =>
    elements.map((element) => ({
      path: element.getAttribute('data-path'),
      text: element.textContent,
      value: element.getAttribute('data-value'),
      time: element.getAttribute('datetime'),
      isText: element.hasAttribute('data-text'),
      section: element.closest('section[data-question]')?.getAttribute('data-question') ?? null,
    })),
  );

function assertFiguresMatch(figures, json) {
  const at = (path) => path.split('.').reduce((value, key) => value?.[key], json);
  for (const figure of figures) {
    const expected = at(figure.path);
    if (figure.value !== null) assert.equal(Number(figure.value), expected, `chart mark ${figure.path}`);
    else if (figure.time !== null) assert.equal(figure.time, expected, `time ${figure.path}`);
    else if (figure.isText || figure.path.endsWith('.note')) assert.equal(figure.text, expected, `text ${figure.path}`);
    else assert.equal(Number(figure.text.replaceAll(',', '')), expected, `figure ${figure.path}`);
  }
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});
after(() => browser?.close());

test('the scenario report: no console error, no request leaves the page, every section shows the figures of --json', async () => {
  const scenario = await runScenario();
  const { html, json } = report('scenario', writeJsonLines(join(dir, 'scenario.jsonl'), scenario.bodies));
  const { page, context, requests, errors } = await open(html);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [pathToFileURL(html).href], 'only the page itself was loaded');
    const figures = await marked(page);
    assertFiguresMatch(figures, json);
    const sections = await page.$$eval('section[data-question]', (list) =>
      list.map((s) => [s.id, s.getAttribute('data-answered')]),
    );
    assert.deepEqual(
      sections.map(([id]) => id),
      Object.keys(json.questions),
    );
    for (const [id, answered] of sections) {
      assert.equal(answered, String(json.questions[id].answered));
      const shown = figures.filter((figure) => figure.section === id && figure.path.startsWith(`questions.${id}.`));
      assert.ok(shown.length > 0, `section ${id} shows its figures`);
      const queries = await page.$$eval(`#${id} .query code`, (codes) => codes.map((code) => code.textContent));
      assert.deepEqual(
        queries,
        json.questions[id].queries.map((q) => q.query),
        `section ${id} quotes its queries`,
      );
    }
    assert.equal(await page.textContent('#verdict strong'), 'VERIFIED');
  } finally {
    await context.close();
  }
});

test('a day of a busy service: figures and charts match --json; the first page is written as a screenshot', async () => {
  const trail = join(dir, 'day.jsonl');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'audit-public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  await writeSyntheticTrail(trail, { records: 60_000, signingKey: privateKey });
  const { html, json } = report(
    'day',
    trail,
    '--public-key',
    join(dir, 'audit-public.pem'),
    '--from',
    '2026-11-28T00:00:00Z',
    '--to',
    '2026-11-29T00:00:00Z',
  );
  assert.equal(json.verified, true);
  assert.equal(json.trail.streams[0].signaturesChecked, true);
  assert.equal(json.period.from, '2026-11-28T00:00:00.000Z');
  const { page, context, requests, errors } = await open(html);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [pathToFileURL(html).href]);
    const figures = await marked(page);
    assert.ok(figures.filter((figure) => figure.value !== null).length > 100, 'the charts are drawn from the JSON');
    assertFiguresMatch(figures, json);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(statSync(SCREENSHOT).size > 20_000, `screenshot written to ${SCREENSHOT}`);
    // Printed: the verdict stays at the top, the navigation goes, and the PDF has pages.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.$eval('nav', (nav) => getComputedStyle(nav).display), 'none');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length;
    assert.ok(pages >= 4, `a printable document (${pages} pages)`);
  } finally {
    await context.close();
  }
});

test('a tampered trail: NOT VERIFIED is the first thing on the page', async () => {
  const trail = join(dir, 'tampered-source.jsonl');
  await writeSyntheticTrail(trail, { records: 3000 });
  const { readFileSync } = await import('node:fs');
  const requestsOf = readFileSync(trail, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const { html, json, status } = report(
    'tampered',
    writeJsonLines(join(dir, 'tampered.jsonl'), TAMPERS.edit(requestsOf, random(3)).requests),
  );
  assert.equal(status, 1);
  assert.equal(json.verified, false);
  const { page, context, errors } = await open(html);
  try {
    assert.deepEqual(errors, []);
    const banner = await page.$eval('body > *:first-child', (element) => ({
      id: element.id,
      text: element.querySelector('strong').textContent,
      top: element.getBoundingClientRect().top,
      height: element.getBoundingClientRect().height,
      color: getComputedStyle(element).backgroundColor,
    }));
    assert.equal(banner.id, 'verdict');
    assert.equal(banner.text, 'NOT VERIFIED');
    assert.equal(banner.top, 0);
    assert.ok(banner.height > 40);
    assert.equal(banner.color, 'rgb(155, 44, 44)');
    assertFiguresMatch(await marked(page), json);
    assert.match(await page.title(), /^NOT VERIFIED/);
  } finally {
    await context.close();
  }
});
