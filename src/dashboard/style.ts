/** The dashboard's stylesheet. */
export const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .8rem 1.5rem; background: #1d2330; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
.status { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; font-size: .9rem; }
.status b { font-variant-numeric: tabular-nums; }
.actions { margin-left: auto; display: flex; gap: .5rem; }
button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid #8892a6; background: #fff; color: #1d2330; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
header button { border-color: #fff; }
#message { margin: .6rem 1.5rem 0; min-height: 1.2rem; font-size: .9rem; }
#message.error { color: #b00020; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; padding: 1rem 1.5rem 2rem; }
section { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; }
section.wide { grid-column: 1 / -1; overflow-x: auto; }
h2 { font-size: .95rem; margin: 0 0 .6rem; }
.chart { position: relative; height: 240px; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6ec; white-space: nowrap; }
td.reasons { white-space: normal; max-width: 40rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.active td { background: #e8f3ea; font-weight: 600; }
.accepted { color: #1b7a35; } .rejected, .failed, .degraded { color: #b00020; } .interrupted, .running { color: #8a6d00; }
.meter { height: 10px; background: #e3e6ec; border-radius: 5px; overflow: hidden; margin-top: .5rem; }
#drift-meter { height: 100%; width: 0; background: #3f6fd8; }
#drift-meter.fired { background: #b00020; }
#drift-detail { font-size: .9rem; }
`;
