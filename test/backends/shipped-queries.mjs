/**
 * Every query the project ships, read from where it ships: the Jaeger tag searches and PromQL expressions in
 * docs/auditor-questions.md and examples/deploy/README.md, and the expressions of examples/deploy/alert-rules.yml.
 * TraceQL (Tempo) and LogQL (Loki) are left to the in-process checks: those backends are not run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './binaries.mjs';

const read = (file) => readFileSync(join(ROOT, file), 'utf8');
const DOCS = ['docs/auditor-questions.md', 'examples/deploy/README.md'];

/** Inline code spans of a markdown text, with table-escaped pipes restored. */
function codeSpans(markdown) {
  return [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1].replaceAll('\\|', '|'));
}

/** A PromQL expression (not a bare metric name in prose) names a tokentrail metric and no LogQL stream selector. */
const isPromQL = (code) =>
  /[({]/.test(code) &&
  /\bjwt_(findings_total|alerts_total|operation_duration_seconds_\w+)\b/.test(code) &&
  !/event_name|service_name=~?"/.test(code.replace(/by \([^)]*\)/g, ''));

/** Jaeger searches: "Jaeger tags: `…`" in prose, or the "Jaeger (tags)" column of a table. */
function jaegerSearches(markdown) {
  const found = [...markdown.matchAll(/Jaeger tags: `([^`]+)`/g)].map((m) => m[1]);
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const header = lines[i].split(/(?<!\\)\|/).map((cell) => cell.trim());
    const column = header.findIndex((cell) => /^Jaeger\b/.test(cell));
    // A header row: the next line is the table's |---| separator.
    if (!lines[i].startsWith('|') || column < 0 || !/^\|[\s:|-]+\|$/.test(lines[i + 1] ?? '')) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j += 1) {
      const cell = lines[j].split(/(?<!\\)\|/)[column];
      found.push(...codeSpans(cell ?? ''));
    }
  }
  return found;
}

export function shippedQueries() {
  const jaeger = [];
  const promql = [];
  for (const file of DOCS) {
    const markdown = read(file);
    for (const query of jaegerSearches(markdown)) jaeger.push({ file, query });
    for (const query of codeSpans(markdown).filter(isPromQL)) promql.push({ file, query });
  }
  for (const group of parse(read('examples/deploy/alert-rules.yml')).groups) {
    for (const rule of group.rules)
      promql.push({
        file: 'examples/deploy/alert-rules.yml',
        query: rule.expr.trim(),
        alert: rule.alert,
        for: rule.for,
      });
  }
  return { jaeger, promql };
}

/** A Jaeger UI tag search (logfmt: `key=value key=value`) as the query API's tags parameter. */
export function jaegerTags(search) {
  return Object.fromEntries(
    search
      .trim()
      .split(/\s+/)
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
}
