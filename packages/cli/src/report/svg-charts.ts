/**
 * Charts drawn into the report as inline SVG: stacked bars over time, ranked horizontal bars and a key
 * timeline. No script, no font or image to fetch: the page renders offline and prints as vectors. Every
 * mark carries the JSON path and value it draws (`data-path`, `data-value`).
 */
import type { Series } from './time-series';
import { escapeHtml, formatNumber } from './html-text';

export interface Part {
  readonly name: string;
  readonly label: string;
  readonly color: string;
}

const WIDTH = 720;

/** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above `n`: an axis maximum that halves cleanly. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  return ([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((step) => step * power >= n) ?? 10) * power;
}
const fixed = (n: number) => Number(n.toFixed(1));
const shortTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

function legend(parts: readonly Part[]): string {
  return `<p class="legend">${parts.map((p) => `<span><i style="background:${p.color}"></i>${escapeHtml(p.label)}</span>`).join('')}</p>`;
}

/** Bars per time bucket, stacked by part, with the bucket's time and figures in a tooltip. */
export function stackedBars<P extends string>(
  title: string,
  series: Series<P>,
  parts: readonly Part[],
  path: string,
): string {
  if (series.start === null || series.buckets.length === 0)
    return `<p class="empty">${escapeHtml(title)}: nothing to draw.</p>`;
  const height = 170;
  const left = 48;
  const bottom = 22;
  const plotWidth = WIDTH - left - 8;
  const plotHeight = height - bottom - 10;
  const totals = series.buckets.map((bucket) => parts.reduce((sum, part) => sum + (bucket[part.name as P] ?? 0), 0));
  const max = niceCeiling(Math.max(1, ...totals));
  const slot = plotWidth / series.buckets.length;
  const barWidth = Math.max(1, Math.min(slot * 0.8, 36));
  const start = Date.parse(series.start);
  const marks: string[] = [];
  series.buckets.forEach((bucket, index) => {
    let y = 10 + plotHeight;
    const x = left + index * slot + (slot - barWidth) / 2;
    const when = shortTime(start + index * series.bucketSeconds * 1000);
    for (const part of parts) {
      const value = bucket[part.name as P] ?? 0;
      if (value <= 0) continue;
      const h = (value / max) * plotHeight;
      y -= h;
      marks.push(
        `<rect x="${fixed(x)}" y="${fixed(y)}" width="${fixed(barWidth)}" height="${fixed(Math.max(h, 0.5))}" fill="${part.color}" data-path="${escapeHtml(`${path}.buckets.${index}.${part.name}`)}" data-value="${value}"><title>${escapeHtml(`${when} UTC: ${formatNumber(value)} ${part.label}`)}</title></rect>`,
      );
    }
  });
  const end = start + series.buckets.length * series.bucketSeconds * 1000;
  const axis = [
    `<line x1="${left}" y1="${10 + plotHeight}" x2="${WIDTH - 8}" y2="${10 + plotHeight}" class="axis"/>`,
    `<line x1="${left}" y1="10" x2="${WIDTH - 8}" y2="10" class="grid"/>`,
    `<line x1="${left}" y1="${10 + plotHeight / 2}" x2="${WIDTH - 8}" y2="${10 + plotHeight / 2}" class="grid"/>`,
    `<text x="${left - 6}" y="14" text-anchor="end">${formatNumber(max)}</text>`,
    `<text x="${left - 6}" y="${14 + plotHeight / 2}" text-anchor="end">${formatNumber(max / 2)}</text>`,
    `<text x="${left - 6}" y="${14 + plotHeight}" text-anchor="end">0</text>`,
    `<text x="${left}" y="${height - 4}">${shortTime(start)} UTC</text>`,
    `<text x="${WIDTH - 8}" y="${height - 4}" text-anchor="end">${shortTime(end)} UTC</text>`,
  ];
  const bucket =
    series.bucketSeconds >= 3600
      ? `${formatNumber(series.bucketSeconds / 3600)} h`
      : `${formatNumber(series.bucketSeconds / 60)} min`;
  return `<figure><figcaption>${escapeHtml(title)} <span class="muted">(bars of ${bucket})</span></figcaption><svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%">${axis.join('')}${marks.join('')}</svg>${legend(parts)}</figure>`;
}

/** Rows of the horizontal charts: their height, and the width of the labels on their left. */
const ROW_HEIGHT = 22;
const LABEL_WIDTH = 260;

/** A row's label, right-aligned before the bars, cut to what fits. */
function rowLabel(label: string, y: number): string {
  const shown = label.length > 38 ? `${label.slice(0, 37)}…` : label;
  return `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" class="mono">${escapeHtml(shown)}</text>`;
}

function figureOf(title: string, height: number, marks: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%">${marks}</svg></figure>`;
}

export interface BarRow {
  readonly label: string;
  readonly value: number;
  readonly path: string;
}

/** One horizontal bar per row, largest first as given. */
export function rankedBars(title: string, rows: readonly BarRow[], color: string): string {
  if (rows.length === 0) return '';
  const max = Math.max(1, ...rows.map((row) => row.value));
  const bars = rows.map((row, index) => {
    const y = 3 + index * ROW_HEIGHT;
    const w = Math.max(1, ((WIDTH - LABEL_WIDTH - 70) * row.value) / max);
    return (
      rowLabel(row.label, y) +
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${fixed(w)}" height="${ROW_HEIGHT - 7}" rx="2" fill="${color}" data-path="${escapeHtml(row.path)}" data-value="${row.value}"><title>${escapeHtml(`${row.label}: ${formatNumber(row.value)}`)}</title></rect>` +
      `<text x="${fixed(LABEL_WIDTH + w + 6)}" y="${y + 15}">${formatNumber(row.value)}</text>`
    );
  });
  return figureOf(title, rows.length * ROW_HEIGHT + 6, bars.join(''));
}

export interface Span {
  readonly label: string;
  readonly from: string;
  readonly to: string;
}

/** When each key was seen: a bar from first to last use on one time axis. */
export function timeline(title: string, spans: readonly Span[], color: string): string {
  if (spans.length === 0) return '';
  const start = Math.min(...spans.map((s) => Date.parse(s.from)));
  const end = Math.max(start + 1000, ...spans.map((s) => Date.parse(s.to)));
  const scale = (ms: number) => LABEL_WIDTH + ((WIDTH - LABEL_WIDTH - 12) * (ms - start)) / (end - start);
  const bars = spans.map((span, index) => {
    const y = 3 + index * ROW_HEIGHT;
    const x = scale(Date.parse(span.from));
    const w = Math.max(3, scale(Date.parse(span.to)) - x);
    return `${rowLabel(span.label, y)}<rect x="${fixed(x)}" y="${y + 3}" width="${fixed(w)}" height="${ROW_HEIGHT - 7}" rx="2" fill="${color}"><title>${escapeHtml(`${span.label}: ${span.from} – ${span.to}`)}</title></rect>`;
  });
  const axisY = spans.length * ROW_HEIGHT + 8;
  const axis = `<line x1="${LABEL_WIDTH}" y1="${axisY}" x2="${WIDTH - 12}" y2="${axisY}" class="axis"/><text x="${LABEL_WIDTH}" y="${axisY + 14}">${shortTime(start)} UTC</text><text x="${WIDTH - 12}" y="${axisY + 14}" text-anchor="end">${shortTime(end)} UTC</text>`;
  return figureOf(title, spans.length * ROW_HEIGHT + 26, bars.join('') + axis);
}
