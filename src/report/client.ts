/**
 * The report's browser code, inlined after Chart.js. It reads the data block and draws every chart
 * (animation off, so a chart is complete as soon as it is created), then sets
 * `window.accreteReport = { charts, ready: true }` for tests. Plain ES2017 in a string: it never runs
 * in Node, and tsconfig's Node types must not see the DOM's.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var charts = [];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var pct = function (x) { return x === null || x === undefined ? '-' : (x * 100).toFixed(1); };
  // Text and grid colours from the stylesheet's variables (light or dark, as the system asks).
  var css = getComputedStyle(document.documentElement);
  var theme = function (name) { return css.getPropertyValue('--' + name).trim(); };
  Chart.defaults.color = theme('muted');
  Chart.defaults.borderColor = theme('grid');
  // Accuracy is drawn in % (0-100), as the tables show it.
  var percentTicks = function (v) { return v + '%'; };
  var percentTooltip = function (c) { return (c.dataset.label ? c.dataset.label + ': ' : '') + c.parsed.y.toFixed(1) + '%'; };
  var color = function (k) { return PALETTE[k % PALETTE.length]; };
  var T = data.tasks.length;
  var taskName = function (v) { var t = data.tasks[Math.round(v) - 1]; return Number.isInteger(v) && t ? t : ''; };

  function make(id, config) {
    var canvas = document.getElementById(id);
    charts.push(new Chart(canvas, config));
  }

  // Colour of an accuracy on the shared scale: light yellow (lowest) to dark blue (highest).
  var STOPS = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]];
  function heat(v) {
    var span = data.heat.max - data.heat.min;
    var t = span > 0 ? (v - data.heat.min) / span : 1;
    var x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var k = Math.min(STOPS.length - 2, Math.floor(x));
    var f = x - k;
    var c = [0, 1, 2].map(function (i) { return Math.round(STOPS[k][i] + f * (STOPS[k + 1][i] - STOPS[k][i])); });
    return { css: 'rgb(' + c.join(',') + ')', dark: t > 0.45 };
  }

  var cellLabels = {
    id: 'cellLabels',
    afterDatasetsDraw: function (chart) {
      var meta = chart.getDatasetMeta(0);
      var ctx = chart.ctx;
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      meta.data.forEach(function (el, i) {
        var d = chart.data.datasets[0].data[i];
        var size = Math.min(el.width, el.height);
        if (size < 18) return;
        var p = el.getCenterPoint();
        ctx.font = Math.min(14, Math.floor(size / 3)) + 'px ' + Chart.defaults.font.family;
        ctx.fillStyle = heat(d.v).dark ? '#fff' : '#222';
        var text = pct(d.v) + '%';
        if (ctx.measureText(text).width > el.width - 4) text = pct(d.v);
        ctx.fillText(text, p.x, p.y);
      });
      ctx.restore();
    }
  };

  function heatMap(p, k) {
    var cells = [];
    p.R.forEach(function (row, i) { row.forEach(function (v, j) { cells.push({ x: j + 1, y: i + 1, v: v }); }); });
    var axis = function (title) {
      return { type: 'linear', min: 0.5, max: T + 0.5, offset: false, grid: { display: false }, title: { display: true, text: title },
        afterBuildTicks: function (axis) { axis.ticks = data.tasks.map(function (_, j) { return { value: j + 1 }; }); },
        ticks: { autoSkip: false, callback: function (v) { return T <= 6 ? taskName(v) : String(v); } } };
    };
    var y = axis('after learning task');
    y.reverse = true;
    make('heat-' + k, {
      type: 'matrix',
      data: { datasets: [{ label: p.name, data: cells,
        backgroundColor: function (c) { var d = c.dataset.data[c.dataIndex]; return d ? heat(d.v).css : 'transparent'; },
        borderColor: theme('chart-bg'), borderWidth: 1,
        width: function (c) { var a = c.chart.chartArea; return a ? a.width / T - 1 : 0; },
        height: function (c) { var a = c.chart.chartArea; return a ? a.height / T - 1 : 0; } }] },
      options: { plugins: { legend: { display: false }, title: { display: true, text: p.name + ' (ACC ' + pct(p.acc) + '%)' },
        tooltip: { callbacks: { title: function () { return ''; }, label: function (c) { var d = c.raw;
          return 'after ' + data.tasks[d.y - 1] + ', on ' + data.tasks[d.x - 1] + ': ' + pct(d.v) + '%'; } } } },
        scales: { x: axis('tested on task'), y: y } },
      plugins: [cellLabels]
    });
  }

  function taskLines(p, k) {
    var datasets = data.tasks.map(function (name, j) {
      return { label: name, borderColor: color(j), backgroundColor: color(j), spanGaps: false, pointRadius: 3,
        data: p.R.map(function (row, i) { return i >= j ? row[j] * 100 : null; }) };
    });
    make('lines-' + k, {
      type: 'line',
      data: { labels: data.tasks.map(function (t) { return 'after ' + t; }), datasets: datasets },
      options: { plugins: { title: { display: true, text: p.name }, legend: { display: T <= 10, labels: { boxWidth: 10 } }, tooltip: { callbacks: { label: percentTooltip } } },
        scales: { x: { title: { display: true, text: 'after learning task' } },
          y: { min: data.lines.min, max: data.lines.max, title: { display: true, text: 'accuracy on the task (%)' }, ticks: { callback: percentTicks } } } }
    });
  }

  function costBars(id, key, title, unit) {
    var datasets = data.paradigms.map(function (p, k) {
      return { label: p.name, backgroundColor: color(k), data: p.costs.map(function (c) { return c[key] > 0 ? c[key] : null; }) };
    });
    make(id, {
      type: 'bar',
      data: { labels: data.tasks.map(function (t, i) { return i === 0 ? t + ' (first training)' : t; }), datasets: datasets },
      options: { plugins: { title: { display: true, text: title } },
        scales: { x: { title: { display: true, text: 'step of the stream (task learned)' } }, y: { type: 'logarithmic', title: { display: true, text: unit + ' (log scale)' } } } }
    });
  }

  function tradeOff() {
    make('trade-off', {
      type: 'scatter',
      data: { datasets: data.paradigms.map(function (p, k) {
        return { label: p.name, backgroundColor: color(k), borderColor: color(k), pointRadius: 7, data: [{ x: Math.max(p.meanMs, 0.01), y: p.acc * 100 }] };
      }) },
      options: { plugins: { title: { display: true, text: 'ACC against cost per update' },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ACC ' + c.parsed.y.toFixed(1) + '% at ' + c.parsed.x.toFixed(0) + ' ms'; } } } },
        scales: { x: { type: 'logarithmic', title: { display: true, text: 'mean ms per update (log scale)' } },
          y: { title: { display: true, text: 'ACC (%)' }, ticks: { callback: percentTicks } } } }
    });
  }

  var taskStarts = {
    id: 'taskStarts',
    afterDraw: function (chart) {
      var x = chart.scales.x;
      var a = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = theme('muted');
      ctx.setLineDash([4, 4]);
      ctx.fillStyle = theme('muted');
      ctx.font = '11px ' + Chart.defaults.font.family;
      data.prequential.taskStarts.forEach(function (s) {
        var px = x.getPixelForValue(s.index + 1);
        ctx.beginPath(); ctx.moveTo(px, a.top); ctx.lineTo(px, a.bottom); ctx.stroke();
        ctx.fillText(s.task, px + 3, a.top + 12);
      });
      ctx.restore();
    }
  };

  function prequential() {
    var q = data.prequential;
    var datasets = [];
    q.runs.forEach(function (r, k) {
      var points = function (ys) { return ys.map(function (y, i) { return { x: i + 1, y: y * 100 }; }); };
      datasets.push({ label: r.name + ', running', borderColor: color(k), backgroundColor: color(k), pointRadius: 0, borderWidth: 2, data: points(r.accuracy) });
      datasets.push({ label: r.name + ', last ' + q.window, borderColor: color(k), backgroundColor: color(k), pointRadius: 0, borderWidth: 1, borderDash: [5, 3], data: points(r.windowAccuracy) });
    });
    make('prequential', {
      type: 'line',
      data: { datasets: datasets },
      options: { parsing: false, plugins: { title: { display: true, text: 'test-then-train accuracy, one example at a time' }, tooltip: { callbacks: { label: percentTooltip } } },
        scales: { x: { type: 'linear', min: 1, max: q.examples, title: { display: true, text: 'examples seen' } },
          y: { title: { display: true, text: 'accuracy (%)' }, ticks: { callback: percentTicks } } } },
      plugins: [taskStarts]
    });
  }

  data.paradigms.forEach(heatMap);
  data.paradigms.forEach(taskLines);
  costBars('cost-ms', 'ms', 'wall time of each step', 'ms');
  costBars('cost-examples', 'examples', 'examples processed in each step', 'examples');
  costBars('cost-params', 'paramsChanged', 'parameters changed in each step', 'parameters');
  tradeOff();
  if (data.prequential) prequential();
  window.accreteReport = { charts: charts.length, ready: true };
})();
`;
