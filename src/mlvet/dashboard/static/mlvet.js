// mlvet dashboard: charts (uPlot, served from the package) and bar widths.
// Data comes from JSON blocks and data- attributes rendered by the server; nothing here
// builds HTML from data, so strings from the ledger are never interpreted as markup.
(function () {
  "use strict";

  document.querySelectorAll("[data-w]").forEach(function (el) {
    var w = parseFloat(el.getAttribute("data-w"));
    if (isFinite(w)) { el.style.width = Math.max(1, Math.min(100, w)) * 2 + "px"; }
  });

  if (typeof uPlot === "undefined") { return; }

  var PALETTE = ["#2456a6", "#b3261e", "#1f7a4d", "#b36b00", "#6d3fb5", "#0f7c8c",
    "#a1367a", "#5b6474", "#8a6d00", "#3b7d23", "#c4492c", "#365f9c"];

  function width(el) { return Math.max(320, el.clientWidth - 8); }

  function xs(n) { var out = []; for (var i = 0; i < n; i++) { out.push(i); } return out; }

  function batchAxis(labels) {
    return {
      values: function (u, splits) {
        return splits.map(function (v) {
          var i = Math.round(v);
          return (i === v && labels[i] !== undefined) ? labels[i] : "";
        });
      },
    };
  }

  function plot(el, series, data, labels, opts) {
    if (!el) { return null; }
    var o = {
      width: width(el), height: (opts && opts.height) || 260,
      scales: { x: { time: false } },
      axes: [batchAxis(labels), {}],
      series: [{ label: "batch", value: function (u, v) { return v == null ? "" : labels[v]; } }].concat(series),
      legend: { live: true },
    };
    if (opts && opts.bands) { o.bands = opts.bands; }
    return new uPlot(o, data, el);
  }

  var block = document.getElementById("series");
  if (block) {
    var s = JSON.parse(block.textContent);
    var labels = s.batches;
    var x = xs(labels.length);
    var driftEl = document.getElementById("chart-drift");
    var threshold = driftEl ? parseFloat(driftEl.getAttribute("data-threshold")) : 0.2;
    var prediction = driftEl ? driftEl.getAttribute("data-prediction") : "";
    var cols = Object.keys(s.drift).filter(function (c) { return c !== prediction; });
    var driftSeries = cols.map(function (c, i) {
      return { label: c, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true };
    });
    var thr = x.map(function () { return threshold; });
    driftSeries.push({ label: "threshold", stroke: "#888", dash: [6, 4], width: 1 });
    plot(driftEl, driftSeries, [x].concat(cols.map(function (c) { return s.drift[c]; }), [thr]), labels);

    var predEl = document.getElementById("chart-prediction");
    if (predEl && s.drift[prediction]) {
      plot(predEl, [
        { label: "PSI of " + prediction, stroke: PALETTE[1], width: 2, spanGaps: true },
        { label: "threshold", stroke: "#888", dash: [6, 4], width: 1 },
      ], [x, s.drift[prediction], thr], labels, { height: 200 });
    }

    var perfEl = document.getElementById("chart-performance");
    var m = s.metrics;
    var names = ["accuracy", "roc_auc", "auc", "mae", "rmse"];
    var series = [], data = [x], bands = [], k = 0;
    names.forEach(function (name) {
      var est = m["estimated_" + name], real = m["realized_" + name];
      if (!est && !real) { return; }
      var color = PALETTE[k++ % PALETTE.length];
      if (est) {
        series.push({ label: "estimated " + name, stroke: color, width: 2, spanGaps: true });
        data.push(est.value);
        series.push({ label: "lower", stroke: color, width: 0.5, dash: [3, 3], spanGaps: true });
        data.push(est.lower);
        series.push({ label: "upper", stroke: color, width: 0.5, dash: [3, 3], spanGaps: true });
        data.push(est.upper);
        bands.push({ series: [data.length - 1, data.length - 2], fill: color + "22" });
      }
      if (real) {
        series.push({ label: "realized " + name, stroke: color, width: 2, dash: [1, 0],
          points: { show: true, size: 6, fill: color }, spanGaps: false });
        data.push(real.value);
      }
    });
    if (perfEl) {
      if (series.length) { plot(perfEl, series, data, labels, { bands: bands }); }
      else { perfEl.textContent = "No performance recorded for these batches."; }
    }

    var qEl = document.getElementById("chart-quality");
    if (qEl) {
      plot(qEl, [{ label: "failures", stroke: PALETTE[1], fill: PALETTE[1] + "33",
        paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } }],
        [x, s.quality_failures.map(function (v) { return v == null ? 0 : v; })], labels, { height: 180 });
    }
  }

  document.querySelectorAll(".chart.reliability").forEach(function (el) {
    var curve = JSON.parse(el.getAttribute("data-curve") || "[]");
    if (!curve.length) { return; }
    var conf = curve.map(function (b) { return b.confidence; });
    var acc = curve.map(function (b) { return b.accuracy; });
    var order = conf.map(function (_, i) { return i; }).sort(function (a, b) { return conf[a] - conf[b]; });
    var xsr = order.map(function (i) { return conf[i]; });
    new uPlot({
      width: Math.min(480, width(el)), height: 300,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      axes: [{ label: "mean predicted probability" }, { label: "observed frequency" }],
      series: [{}, { label: "observed", stroke: PALETTE[0], width: 2, points: { show: true, size: 7 } },
        { label: "perfect calibration", stroke: "#888", dash: [6, 4], width: 1 }],
    }, [xsr, order.map(function (i) { return acc[i]; }), xsr], el);
  });
})();
