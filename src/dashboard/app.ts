/**
 * The dashboard's browser code (plain ES2020, no build step), kept as a string the page inlines.
 * It reads GET /v1/models, /v1/models/{id}, /v1/stats and /v1/updates every few seconds, draws
 * the tables and charts, and sends the writes (run update, activate, roll back) with the bearer
 * token, which it asks for once and keeps for the browser tab (sessionStorage).
 */
export const APP_SCRIPT = String.raw`
'use strict';
(function () {
  var TOKEN_KEY = 'accrete-token';
  var state = { models: [], active: null, chosen: null, busy: false };
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  var pct = function (x) { return typeof x === 'number' ? (x * 100).toFixed(1) + '%' : '–'; };
  var when = function (iso) { return iso ? new Date(iso).toLocaleString() : ''; };
  // Charts hold shares as 0-100 so that axes, tooltips and tables all say %.
  var share = function (x) { return typeof x === 'number' ? Math.round(x * 1e4) / 100 : null; };
  var percentTicks = function (v) { return v + '%'; };
  var percentTooltip = function (c) { return c.dataset.label + ': ' + (c.parsed.y === null ? '–' : c.parsed.y.toFixed(1) + '%'); };
  var axis = function (title, extra) {
    var a = { title: { display: true, text: title } };
    Object.keys(extra || {}).forEach(function (k) { a[k] = extra[k]; });
    return a;
  };
  var shareAxis = function (title, extra) {
    var a = axis(title, { min: 0, max: 100, ticks: { callback: percentTicks } });
    Object.keys(extra || {}).forEach(function (k) { a[k] = extra[k]; });
    return a;
  };

  // Colours come from the stylesheet's variables, light or dark as the system asks.
  var theme = {};
  function readTheme() {
    var css = getComputedStyle(document.documentElement);
    ['fg', 'muted', 'grid', 'series-guard', 'series-fresh', 'series-volume', 'series-error'].forEach(function (k) { theme[k] = css.getPropertyValue('--' + k).trim(); });
    Chart.defaults.color = theme.muted;
    Chart.defaults.borderColor = theme.grid;
  }
  readTheme();
  var scheme = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  if (scheme && scheme.addEventListener) {
    scheme.addEventListener('change', function () {
      readTheme();
      Object.keys(charts).forEach(function (id) { charts[id].destroy(); delete charts[id]; });
      refresh();
    });
  }

  function say(text, isError) {
    var m = $('message');
    m.textContent = text || '';
    m.className = isError ? 'error' : '';
  }

  function token(ask) {
    var t = sessionStorage.getItem(TOKEN_KEY);
    if (!t || ask) {
      t = window.prompt('Token for changes (printed by accrete serve, or ACCRETE_TOKEN):') || '';
      if (t) sessionStorage.setItem(TOKEN_KEY, t);
    }
    return t;
  }

  async function api(path, write, body) {
    var opts = { method: write ? 'POST' : 'GET', headers: {} };
    if (write) {
      opts.headers['content-type'] = 'application/json';
      opts.body = JSON.stringify(body || {});
    }
    for (var attempt = 0; attempt < 2; attempt++) {
      if (write) opts.headers.authorization = 'Bearer ' + token(attempt > 0);
      var res = await fetch(path, opts);
      var data = await res.json().catch(function () { return {}; });
      if (res.status === 401 && write && attempt === 0) { sessionStorage.removeItem(TOKEN_KEY); continue; }
      if (!res.ok) throw new Error((data.error && data.error.message) || res.status + ' ' + res.statusText);
      return data;
    }
  }

  function chart(id, config, description) {
    if (description) $(id).setAttribute('aria-label', description);
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update('none');
    } else {
      charts[id] = new Chart($(id), config);
    }
  }

  function renderVersions() {
    var body = $('versions').tBodies[0];
    body.replaceChildren();
    state.models.slice().reverse().forEach(function (v) {
      var tr = el('tr');
      if (v.id === state.active) tr.className = 'active';
      var g = v.metrics.guard, f = v.metrics.fresh;
      tr.append(el('td', v.id + (v.id === state.active ? ' (active)' : '')), el('td', v.parent || ''), el('td', when(v.createdAt)), el('td', v.decision.source),
        el('td', pct(g && g.accuracy), 'num'), el('td', pct(g && g.macroF1), 'num'), el('td', pct(f && f.accuracy), 'num'),
        el('td', v.decision.accepted ? 'accepted' : 'rejected', v.decision.accepted ? 'accepted' : 'rejected'));
      var cell = el('td');
      if (v.id !== state.active) {
        var b = el('button', 'Activate');
        b.type = 'button';
        b.setAttribute('aria-label', 'Activate ' + v.id);
        b.dataset.version = v.id;
        b.addEventListener('click', function () { write('Activating ' + v.id, '/v1/models/' + encodeURIComponent(v.id) + '/activate'); });
        cell.append(b);
      }
      tr.append(cell);
      body.append(tr);
    });
    var select = $('label-version');
    var ids = state.models.map(function (v) { return v.id; });
    if (!state.chosen || ids.indexOf(state.chosen) < 0) state.chosen = state.active;
    if (select.options.length !== ids.length) {
      select.replaceChildren.apply(select, ids.map(function (id) { var o = el('option', id); o.value = id; return o; }));
    }
    select.value = state.chosen;
  }

  function renderAccuracy() {
    var labels = state.models.map(function (v) { return v.id; });
    var series = function (key) { return state.models.map(function (v) { var m = v.metrics[key]; return m ? share(m.accuracy) : null; }); };
    var last = state.models[state.models.length - 1];
    var lastSays = last ? '; ' + last.id + ': guard ' + pct(last.metrics.guard && last.metrics.guard.accuracy) + ', new data ' + pct(last.metrics.fresh && last.metrics.fresh.accuracy) : '';
    chart('chart-accuracy', {
      type: 'line',
      data: { labels: labels, datasets: [
        { label: 'guard accuracy', data: series('guard'), borderColor: theme['series-guard'], backgroundColor: theme['series-guard'], spanGaps: true },
        { label: 'new-data accuracy', data: series('fresh'), borderColor: theme['series-fresh'], backgroundColor: theme['series-fresh'], spanGaps: true },
      ] },
      options: { maintainAspectRatio: false, animation: false, plugins: { tooltip: { callbacks: { label: percentTooltip } } },
        scales: { x: axis('model version'), y: shareAxis('accuracy (%)') } },
    }, 'Line chart: guard and new-data accuracy (%) of ' + labels.length + ' model versions' + lastSays);
  }

  async function renderLabels() {
    if (!state.chosen) return;
    var v = await api('/v1/models/' + encodeURIComponent(state.chosen));
    var rows = (v.metrics.guard && v.metrics.guard.perLabel) || [];
    var fresh = {};
    ((v.metrics.fresh && v.metrics.fresh.perLabel) || []).forEach(function (l) { if (l.support > 0) fresh[l.label] = l.f1; });
    var names = rows.map(function (l) { return l.label; });
    Object.keys(fresh).forEach(function (l) { if (names.indexOf(l) < 0) names.push(l); });
    var guard = {};
    rows.forEach(function (l) { guard[l.label] = l.support > 0 ? l.f1 : null; });
    chart('chart-labels', {
      type: 'bar',
      data: { labels: names, datasets: [
        { label: 'guard F1', data: names.map(function (n) { return n in guard ? share(guard[n]) : null; }), backgroundColor: theme['series-guard'] },
        { label: 'new-data F1', data: names.map(function (n) { return n in fresh ? share(fresh[n]) : null; }), backgroundColor: theme['series-fresh'] },
      ] },
      options: { maintainAspectRatio: false, animation: false, plugins: { tooltip: { callbacks: { label: percentTooltip } } },
        scales: { x: axis('label'), y: shareAxis('F1 (%)') } },
    }, 'Bar chart: guard and new-data F1 (%) of ' + names.length + ' labels for version ' + state.chosen + ': ' +
      names.map(function (n) { return n + ' ' + pct(guard[n]); }).join(', '));
  }

  function renderStats(s) {
    $('active').textContent = s.active;
    $('error-rate').textContent = s.live.errorRate === null ? '–' : pct(s.live.errorRate) + ' of ' + s.live.events;
    $('pending').textContent = s.feedback.pending + ' / ' + s.feedback.stored;
    $('quarantined').textContent = String(s.feedback.quarantined);
    $('health').textContent = s.health.status;
    $('health').className = s.health.status === 'ok' ? '' : 'degraded';
    $('health').title = s.health.problems.join('\n');
    $('running').textContent = s.update.running ? 'job ' + s.update.running.job + ' running' : 'idle';
    var d = s.drift;
    $('drift').textContent = d ? (d.drift ? 'DRIFT' : 'stable') : 'off';
    $('drift-detail').textContent = d ? 'statistic ' + d.statistic.toFixed(2) + ' of ' + d.threshold + ' after ' + d.n + ' events' + (d.lastFiredAt ? '; last fired ' + when(d.lastFiredAt) : '') : 'drift detection is off';
    var meter = $('drift-meter');
    meter.style.width = d ? Math.min(100, (100 * d.statistic) / d.threshold) + '%' : '0';
    meter.className = d && d.drift ? 'fired' : '';
    var b = s.feedback.series.buckets;
    var unit = s.feedback.series.bucketMs >= 60000 ? { hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit', second: '2-digit' };
    var events = b.reduce(function (n, x) { return n + x.count; }, 0);
    var errors = b.reduce(function (n, x) { return n + x.errors; }, 0);
    chart('chart-feedback', {
      data: { labels: b.map(function (x) { return new Date(x.start).toLocaleTimeString([], unit); }), datasets: [
        { type: 'bar', label: 'feedback events', data: b.map(function (x) { return x.count; }), backgroundColor: theme['series-volume'], yAxisID: 'y' },
        { type: 'line', label: 'error rate', data: b.map(function (x) { return x.count ? share(x.errors / x.count) : null; }), borderColor: theme['series-error'], backgroundColor: theme['series-error'], yAxisID: 'rate' },
      ] },
      options: { maintainAspectRatio: false, animation: false,
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.yAxisID === 'rate' ? percentTooltip(c) : c.dataset.label + ': ' + c.parsed.y; } } } },
        scales: { x: axis('time'), y: axis('feedback events', { beginAtZero: true, position: 'left', ticks: { precision: 0 } }),
          rate: shareAxis('error rate (%)', { position: 'right', grid: { drawOnChartArea: false } }) } },
    }, 'Bar and line chart: feedback events and their error rate (%) over the last ' + b.length + ' intervals; ' + events + ' events, ' + (events ? pct(errors / events) : 'no') + ' errors');
  }

  function renderUpdates(u) {
    var body = $('updates').tBodies[0];
    body.replaceChildren();
    u.updates.forEach(function (j) {
      var tr = el('tr');
      var why = j.error || (j.reasons || []).map(function (r) { return r.message; }).join('; ');
      tr.append(el('td', j.id), el('td', j.trigger), el('td', j.fault ? j.state + ' (' + j.fault + ')' : j.state, j.state), el('td', j.examples, 'num'), el('td', j.parent), el('td', j.version || ''), el('td', when(j.createdAt)), el('td', why, 'reasons'));
      body.append(tr);
    });
  }

  async function refresh() {
    try {
      var m = await api('/v1/models');
      state.models = m.models;
      state.active = m.active;
      renderVersions();
      renderAccuracy();
      var results = await Promise.all([api('/v1/stats'), api('/v1/updates'), renderLabels()]);
      renderStats(results[0]);
      renderUpdates(results[1]);
      document.body.dataset.loaded = 'true';
    } catch (err) {
      say('cannot reach the server: ' + err.message, true);
    }
  }

  async function write(what, path, body) {
    if (state.busy) return;
    state.busy = true;
    document.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    say(what + '…');
    try {
      var r = await api(path, true, body);
      if (path === '/v1/update') {
        say(r.accepted ? 'update accepted: ' + r.created + ' is serving' : 'update rejected: ' + r.reasons.map(function (x) { return x.message; }).join('; '), !r.accepted);
      } else {
        say('now serving ' + r.active + (r.previous ? ' (was ' + r.previous + ')' : ''));
      }
    } catch (err) {
      say(what + ' failed: ' + err.message, true);
    } finally {
      state.busy = false;
      await refresh();
      document.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    }
  }

  $('run-update').addEventListener('click', function () { write('Running an update on the pending feedback', '/v1/update', {}); });
  $('rollback').addEventListener('click', function () { write('Rolling back', '/v1/models/rollback'); });
  $('label-version').addEventListener('change', function (e) { state.chosen = e.target.value; renderLabels(); });
  window.accreteDashboard = { charts: charts, refresh: refresh, state: state };
  refresh();
  setInterval(function () { if (!state.busy) refresh(); }, 3000);
})();
`;
