/** The report's style sheet, for screen and print (A4): system fonts only, nothing fetched. */
export const REPORT_STYLE = `
:root { --ink: #1a202c; --muted: #5a6478; --line: #e2e8f0; --bg: #f7f8fb; --ok: #276749; --ok-bg: #e6f4ea; --bad: #9b2c2c; --bad-bg: #fde8e8; --accent: #2c5282; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 8px 28px 48px; }
h1 { font-size: 26px; margin: 18px 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 2px; display: flex; align-items: baseline; gap: 10px; }
.qn { font-size: 13px; font-weight: 700; color: #fff; background: var(--accent); border-radius: 4px; padding: 1px 7px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
.verdict { padding: 18px 28px; border-bottom: 4px solid; }
.verdict strong { display: block; font-size: 30px; letter-spacing: 0.04em; line-height: 1.1; }
.verdict p { margin: 6px 0 0; font-size: 15px; max-width: 980px; }
.verdict.verified { background: var(--ok-bg); color: var(--ok); border-color: var(--ok); }
.verdict.failed { background: var(--bad); color: #fff; border-color: #63171b; }
.verdict.failed strong::before { content: "⚠ "; }
.meta { color: var(--muted); margin: 2px 0; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; padding: 0; }
.figures div { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 128px; }
.figures dt { font-size: 12px; color: var(--muted); }
.figures dd { margin: 0; font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.sampling { background: #fffbea; border: 1px solid #f6e05e; border-radius: 8px; padding: 8px 14px; }
nav ol { columns: 2; margin: 10px 0 20px; padding-left: 22px; }
nav a { color: var(--accent); text-decoration: none; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 16px 0; }
.question { color: var(--muted); margin: 0 0 8px; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 10px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td .mono { word-break: break-all; }
td time { white-space: nowrap; font-size: 12px; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td:first-child { color: var(--bad); font-weight: 700; }
tr.ok td:first-child { color: var(--ok); font-weight: 700; }
tr.problems ul { margin: 0; padding-left: 18px; color: var(--bad); }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; align-items: start; }
figure { margin: 10px 0; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--muted); }
svg text.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; fill: var(--ink); }
svg .axis { stroke: #a0aec0; } svg .grid { stroke: var(--line); stroke-dasharray: 3 3; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin: 2px 0; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
.tag { display: inline-block; background: #edf2f7; border-radius: 4px; padding: 0 6px; font-size: 12px; }
.empty, .muted, .none { color: var(--muted); }
.note { color: var(--muted); font-size: 13px; }
.unanswered { background: #edf2f7; border-left: 4px solid #a0aec0; padding: 6px 12px; }
details { margin-top: 10px; font-size: 13px; }
summary { color: var(--accent); cursor: pointer; }
.query { display: flex; gap: 10px; margin: 6px 0; align-items: baseline; }
.query span { color: var(--muted); min-width: 120px; }
.query code { background: #f1f3f7; border-radius: 4px; padding: 3px 6px; white-space: pre-wrap; word-break: break-word; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11.5px; }
  main { max-width: none; padding: 0; }
  .verdict { border-radius: 0; }
  nav { display: none; }
  section { border: none; border-top: 2px solid var(--line); border-radius: 0; padding: 10px 0; break-inside: auto; }
  h2 { break-after: avoid; }
  figure, table, .figures, dl { break-inside: avoid; }
  details > summary { list-style: none; }
  a { color: inherit; }
}
`;
