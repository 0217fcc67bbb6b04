/** The report's stylesheet (inlined: the page loads nothing). */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg: #fff; --panel: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; font-size: 13px; }
.verdict { background: var(--panel); border-left: 4px solid #3b528b; padding: 10px 16px 10px 32px; margin: 16px 0; }
.verdict li { margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--panel); }
.scroll { overflow-x: auto; }
.rank { display: inline-block; margin: 2px 10px 2px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
.grid.wide { grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
.chart { position: relative; height: 300px; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
.chart.tall { height: 380px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; }
dt { font-weight: 600; }
dd { margin: 0; }
code { font-size: 13px; background: var(--panel); padding: 1px 4px; border-radius: 3px; }
`;
