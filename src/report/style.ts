/**
 * The report's stylesheet (inlined: the page loads nothing). Colours are CSS variables with a dark
 * set for `prefers-color-scheme: dark`, which the charts read too (client.ts). Grid columns never ask
 * for more than the screen and the summary table's headers wrap, so nothing but a table in its own
 * box scrolls sideways, from a 390 px phone up.
 */
export const REPORT_CSS = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg: #fff; --panel: #f8f9fa; --chart-bg: #fff; --grid: rgba(0,0,0,.1); --accent: #3b528b; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e8; --muted: #b0b5bd; --line: #3a3f47; --bg: #121417; --panel: #1d2025; --chart-bg: #181a1f; --grid: rgba(255,255,255,.13); --accent: #8ea6e0; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; font-size: 13px; overflow-wrap: anywhere; }
.verdict { background: var(--panel); border-left: 4px solid var(--accent); padding: 10px 16px 10px 32px; margin: 16px 0; }
.verdict li { margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
thead th { white-space: normal; vertical-align: bottom; min-width: 4.5em; max-width: 8em; line-height: 1.25; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--panel); }
.scroll { overflow-x: auto; max-width: 100%; }
.rank { display: inline-block; margin: 2px 10px 2px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(300px, 100%), 1fr)); gap: 16px; }
.grid.wide { grid-template-columns: repeat(auto-fill, minmax(min(520px, 100%), 1fr)); }
figure { margin: 0; min-width: 0; }
.chart { position: relative; height: 300px; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: var(--chart-bg); min-width: 0; }
.chart.tall { height: 380px; }
.heat-legend { display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); margin-top: 4px; font-variant-numeric: tabular-nums; }
.heat-bar { flex: 1; height: 10px; border-radius: 3px; background: linear-gradient(to right, rgb(253,231,37), rgb(94,201,98), rgb(33,145,140), rgb(59,82,139), rgb(68,1,84)); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; }
dt { font-weight: 600; }
dd { margin: 0; }
code { font-size: 13px; background: var(--panel); padding: 1px 4px; border-radius: 3px; }
@media (max-width: 600px) {
  main { padding: 16px 12px 32px; }
  h1 { font-size: 22px; }
  .chart.tall { height: 320px; }
  dl { grid-template-columns: 1fr; }
  dd { margin: 0 0 6px; }
}
`;
