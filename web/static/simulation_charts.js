// Charts of a simulation run, drawn with the vendored Chart.js (static/vendor/chart.umd.min.js).
// The page carries its numbers in <script type="application/json" id="sim-chart-data"> (the
// site's CSP allows no inline script); every <canvas data-chart=...> gets one chart:
//   metric  — each variant's mean (a point) and 95% interval (a floating bar)
//   change  — each scenario's paired change from the baseline, with its 95% interval
//   burden  — inspections per firm per year by credit tier, one bar per variant
(function () {
  "use strict";

  var BASELINE_COLOUR = "#6b7280";
  var PALETTE = ["#1f6fb3", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41"];

  function colour(i) {
    return i === 0 ? BASELINE_COLOUR : PALETTE[(i - 1) % PALETTE.length];
  }

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function fmt(value) {
    if (value === null || value === undefined) { return "—"; }
    var a = Math.abs(value);
    if (a >= 100) { return value.toLocaleString(undefined, {maximumFractionDigits: 0}); }
    if (a >= 1) { return value.toFixed(2); }
    return value.toFixed(4);
  }

  function common(title) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        title: {display: true, text: title},
        legend: {display: false}
      }
    };
  }

  // Means as points over their intervals as floating bars; `offset` is the first bar's
  // variant index, so a variant keeps its colour in every chart.
  function intervalChart(canvas, labels, means, intervals, title, text, offset) {
    var colours = labels.map(function (_l, i) { return colour(i + offset); });
    var options = common(title);
    options.plugins.tooltip = {
      callbacks: {
        label: function (ctx) {
          var i = ctx.dataIndex;
          var ci = intervals[i];
          return text.mean + " " + fmt(means[i]) +
            (ci ? "  " + text.interval + " [" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]" : "");
        }
      },
      filter: function (item) { return item.datasetIndex === 0; }
    };
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          {
            type: "line",
            label: text.mean,
            data: means,
            showLine: false,
            pointRadius: 5,
            pointStyle: "rectRot",
            pointBackgroundColor: colours,
            pointBorderColor: colours,
            order: 0
          },
          {
            type: "bar",
            label: text.interval,
            data: intervals.map(function (ci, i) { return ci ? [ci[0], ci[1]] : [means[i], means[i]]; }),
            backgroundColor: colours.map(function (c) { return withAlpha(c, 0.25); }),
            borderColor: colours,
            borderWidth: 1,
            barPercentage: 0.5,
            order: 1
          }
        ]
      },
      options: options
    });
  }

  function burdenChart(canvas, data) {
    var options = common(data.text.burden);
    options.plugins.legend = {display: true, position: "bottom"};
    options.plugins.tooltip = {
      callbacks: {
        label: function (ctx) {
          var ci = data.burden[ctx.dataIndex].intervals[ctx.datasetIndex];
          return ctx.dataset.label + ": " + fmt(ctx.parsed.y) +
            (ci ? " [" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]" : "");
        }
      }
    };
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.tiers.map(function (t) { return data.text.tier.replace("{t}", t); }),
        datasets: data.variants.map(function (name, i) {
          return {
            label: name,
            data: data.burden.map(function (series) { return series.means[i]; }),
            backgroundColor: withAlpha(colour(i), 0.75),
            borderColor: colour(i),
            borderWidth: 1
          };
        })
      },
      options: options
    });
  }

  function byKey(list) {
    var out = {};
    list.forEach(function (series) { out[series.key] = series; });
    return out;
  }

  function draw() {
    var holder = document.getElementById("sim-chart-data");
    if (!holder || typeof Chart === "undefined") { return; }
    var data = JSON.parse(holder.textContent);
    var metrics = byKey(data.metrics);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.dataset.chart;
      var series = metrics[canvas.dataset.metric];
      if (kind === "burden") {
        burdenChart(canvas, data);
      } else if (kind === "metric" && series) {
        intervalChart(canvas, data.variants, series.means, series.intervals, series.label, data.text, 0);
      } else if (kind === "change" && series) {
        intervalChart(
          canvas,
          data.variants.slice(1),
          series.changes.slice(1),
          series.change_intervals.slice(1),
          "Δ " + series.label,
          {mean: data.text.change, interval: data.text.interval},
          1
        );
      } else {
        return;
      }
      canvas.dataset.rendered = "1";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
