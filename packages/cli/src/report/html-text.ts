/** Escaping and number formatting for the HTML report: every figure carries the JSON path it shows. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const formatNumber = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** A figure of the report: its text is exactly `formatNumber` of the JSON value at `path`. */
export function figure(path: string, value: number, className = 'n'): string {
  return `<span class="${className}" data-path="${escapeHtml(path)}">${formatNumber(value)}</span>`;
}

/** A text value from the JSON (a pseudonym, a route), with its path. */
export function textOf(path: string, value: string | null, className = 't'): string {
  return value === null
    ? '<span class="none">—</span>'
    : `<span class="${className}" data-path="${escapeHtml(path)}" data-text>${escapeHtml(value)}</span>`;
}

/** A time as the JSON holds it (ISO 8601), shown without the milliseconds. */
export function timeOf(path: string, iso: string | null): string {
  if (iso === null) return '<span class="none">—</span>';
  return `<time datetime="${escapeHtml(iso)}" data-path="${escapeHtml(path)}" data-time>${escapeHtml(iso.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC'))}</time>`;
}
