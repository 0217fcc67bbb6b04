/**
 * The dashboard's stylesheet. Colours are CSS variables with a dark set for
 * `prefers-color-scheme: dark`; the charts read the same variables (app.ts, `theme()`). The grid's
 * columns never ask for more than the screen, and wide tables scroll inside their own box, so the
 * page itself never scrolls sideways, down to a 390 px phone.
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --fg: #1d2330; --muted: #4a5263; --bg: #f5f6f8; --panel: #fff; --line: #e3e6ec; --grid: rgba(29,35,48,.12);
  --bar: #1d2330; --bar-fg: #fff; --button-bg: #fff; --button-line: #8892a6;
  --active-row: #e8f3ea; --good: #1b7a35; --bad: #b00020; --warn: #8a6d00; --accent: #3f6fd8;
  --series-guard: #3f6fd8; --series-fresh: #1b7a35; --series-volume: #9db4ea; --series-error: #b00020;
  font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e4e7ee; --muted: #b4bccb; --bg: #12151b; --panel: #1c2029; --line: #323846; --grid: rgba(228,231,238,.14);
    --bar: #0b0d11; --bar-fg: #e4e7ee; --button-bg: #262b36; --button-line: #6b7486;
    --active-row: #1f3a27; --good: #5cc97a; --bad: #ff6b7d; --warn: #e0c050; --accent: #7a9cf0;
    --series-guard: #7a9cf0; --series-fresh: #5cc97a; --series-volume: #4a5f8f; --series-error: #ff6b7d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem 2rem; padding: .8rem 1.5rem; background: var(--bar); color: var(--bar-fg); }
header h1 { font-size: 1.2rem; margin: 0; }
.status { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; font-size: .9rem; }
.status b { font-variant-numeric: tabular-nums; }
.actions { margin-left: auto; display: flex; flex-wrap: wrap; gap: .5rem; }
button, select { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--button-line); background: var(--button-bg); color: var(--fg); cursor: pointer; }
select { padding: .1rem .3rem; max-width: 100%; }
button:disabled { opacity: .5; cursor: default; }
button:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
header button { border-color: var(--bar-fg); }
#message { margin: .6rem 1.5rem 0; min-height: 1.2rem; font-size: .9rem; }
#message.error { color: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 1rem; padding: 1rem 1.5rem 2rem; }
section { background: var(--panel); border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; }
section.wide { grid-column: 1 / -1; }
.scroll { overflow-x: auto; max-width: 100%; position: relative; }
h2 { font-size: .95rem; margin: 0 0 .6rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.scroll:focus-visible { outline: 2px solid var(--accent); }
.chart { position: relative; height: 240px; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.reasons { white-space: normal; min-width: 14rem; max-width: 40rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.active td { background: var(--active-row); font-weight: 600; }
.accepted { color: var(--good); } .rejected, .failed, .degraded { color: var(--bad); } .interrupted, .running { color: var(--warn); }
.meter { height: 10px; background: var(--line); border-radius: 5px; overflow: hidden; margin-top: .5rem; }
#drift-meter { height: 100%; width: 0; background: var(--accent); }
#drift-meter.fired { background: var(--bad); }
#drift-detail { font-size: .9rem; }
@media (max-width: 600px) {
  header, main { padding-left: .75rem; padding-right: .75rem; }
  #message { margin-left: .75rem; margin-right: .75rem; }
  section { padding: .7rem .6rem; }
  .actions { margin-left: 0; }
}
`;
