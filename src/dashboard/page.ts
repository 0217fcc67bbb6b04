/**
 * The dashboard at `/`: one HTML page that only calls the HTTP API. Chart.js is inlined from its
 * npm package (src/report/assets.ts, licences included), so the page needs no network beyond the
 * server itself, and the server's content security policy lets it talk to nothing else.
 */
import { libraryScript, scriptSafe } from '../report/assets.js';
import { APP_SCRIPT } from './app.js';
import { STYLE } from './style.js';

const BODY = `
<header>
  <h1>Accrete</h1>
  <div class="status">
    <span>serving <b id="active">…</b></span>
    <span>live error <b id="error-rate">–</b></span>
    <span>drift <b id="drift">–</b></span>
    <span>pending feedback <b id="pending">–</b></span>
    <span>quarantined <b id="quarantined">–</b></span>
    <span>health <b id="health" title="">–</b></span>
    <span>update <b id="running">–</b></span>
  </div>
  <div class="actions">
    <button id="run-update" type="button">Run update</button>
    <button id="rollback" type="button">Roll back</button>
  </div>
</header>
<p id="message" role="status"></p>
<main>
  <section class="wide">
    <h2 id="versions-title">Versions</h2>
    <div class="scroll" role="region" aria-labelledby="versions-title" tabindex="0"><table id="versions"><thead><tr><th>id</th><th>parent</th><th>created</th><th>source</th><th>guard acc.</th><th>guard macro-F1</th><th>new-data acc.</th><th>gate</th><th><span class="visually-hidden">action</span></th></tr></thead><tbody></tbody></table></div>
  </section>
  <section><h2>Guard and new-data accuracy across versions</h2><div class="chart"><canvas id="chart-accuracy" role="img" aria-label="Line chart: guard and new-data accuracy (%) of each model version"></canvas></div></section>
  <section><h2><label for="label-version">Per-label F1 of version</label> <select id="label-version"></select></h2><div class="chart"><canvas id="chart-labels" role="img" aria-label="Bar chart: guard and new-data F1 (%) of each label for the chosen version"></canvas></div></section>
  <section><h2>Feedback volume and error rate</h2><div class="chart"><canvas id="chart-feedback" role="img" aria-label="Bar and line chart: feedback events and their error rate (%) over time"></canvas></div></section>
  <section><h2>Drift (Page-Hinkley on the live error rate)</h2><div id="drift-detail"></div><div class="meter" aria-hidden="true"><div id="drift-meter"></div></div></section>
  <section class="wide">
    <h2 id="updates-title">Updates</h2>
    <div class="scroll" role="region" aria-labelledby="updates-title" tabindex="0"><table id="updates"><thead><tr><th>job</th><th>trigger</th><th>state</th><th>examples</th><th>parent</th><th>version</th><th>started</th><th>reasons</th></tr></thead><tbody></tbody></table></div>
  </section>
</main>`;

let cached: string | null = null;

export function dashboardHtml(): string {
  cached ??= `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accrete dashboard</title>
<style>${STYLE}</style>
</head>
<body>${BODY}
<script>${libraryScript()}</script>
<script>${scriptSafe(APP_SCRIPT)}</script>
</body>
</html>
`;
  return cached;
}
