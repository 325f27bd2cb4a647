/*
 * Charts drawn by hand as inline SVG (no chart library): an adjudication's outcome distribution.
 *
 *   JointEx.charts.histogram(name, summary, {sample, outcome})  -> <figure>
 *       summary is one quantity of the adjudicator's distribution:
 *       {n, mean, sd, p05, p50, p95, histogram: {bins: [edges...], counts: [...]}}
 *       Bars for the counts, dashed lines at p05 / p50 / p95, a solid line at the sample (and at
 *       the decided outcome when it differs).
 *   JointEx.charts.bars(name, {label: count})  -> <figure>  (a categorical outcome)
 *   JointEx.charts.distribution(distribution, sample, outcome) -> [<figure>...] for every quantity.
 * Each figure has a text alternative (role="img" + aria-label) and a caption with the numbers.
 */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var W = 340;
  var H = 150;
  var PAD = { left: 36, right: 10, top: 14, bottom: 30 };

  function svg(tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function fmt(value) {
    if (value === null || value === undefined || value === "") return "–";
    var number = Number(value);
    if (!isFinite(number)) return String(value);
    if (Math.abs(number) >= 1000) return number.toFixed(0);
    if (Math.abs(number) >= 10) return number.toFixed(1);
    return number.toFixed(2).replace(/\.?0+$/, "") || "0";
  }

  function label(name) {
    return String(name).replace(/_/g, " ");
  }

  function figure(name, chart, description, captionText) {
    var box = document.createElement("figure");
    box.className = "jx-chart";
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", label(name) + ": " + description);
    box.appendChild(chart);
    var caption = document.createElement("figcaption");
    caption.textContent = captionText;
    box.appendChild(caption);
    return box;
  }

  function frame(title) {
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, class: "jx-chart__svg" });
    chart.appendChild(svg("title", {}, title));
    chart.appendChild(svg("line", { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: "jx-chart__axis" }));
    chart.appendChild(svg("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: "jx-chart__axis" }));
    return chart;
  }

  function histogram(name, summary, marks) {
    marks = marks || {};
    var hist = (summary && summary.histogram) || { bins: [], counts: [] };
    var edges = hist.bins || [];
    var counts = hist.counts || [];
    var title = label(name) + " (" + (summary.n || 0) + " runs)";
    var chart = frame(title);
    if (!counts.length || edges.length < 2) {
      chart.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "jx-chart__text" }, "no finite outcomes"));
      return figure(name, chart, "no finite outcomes", title);
    }
    var lo = Number(edges[0]);
    var hi = Number(edges[edges.length - 1]);
    if (hi === lo) hi = lo + 1;
    var maxCount = Math.max.apply(null, counts.concat([1]));
    var plotW = W - PAD.left - PAD.right;
    var plotH = H - PAD.top - PAD.bottom;
    var x = function (v) {
      return PAD.left + ((Number(v) - lo) / (hi - lo)) * plotW;
    };
    var y = function (c) {
      return H - PAD.bottom - (c / maxCount) * plotH;
    };
    counts.forEach(function (count, i) {
      var x0 = x(edges[i]);
      var x1 = x(edges[i + 1]);
      var bar = svg("rect", {
        x: x0 + 0.5,
        y: y(count),
        width: Math.max(1, x1 - x0 - 1),
        height: H - PAD.bottom - y(count),
        class: "jx-chart__bar"
      });
      bar.appendChild(svg("title", {}, fmt(edges[i]) + " to " + fmt(edges[i + 1]) + ": " + count));
      chart.appendChild(bar);
    });
    // Axis labels: the range and the highest count.
    chart.appendChild(svg("text", { x: PAD.left, y: H - PAD.bottom + 14, "text-anchor": "start", class: "jx-chart__text" }, fmt(lo)));
    chart.appendChild(svg("text", { x: W - PAD.right, y: H - PAD.bottom + 14, "text-anchor": "end", class: "jx-chart__text" }, fmt(hi)));
    chart.appendChild(svg("text", { x: PAD.left - 4, y: PAD.top + 4, "text-anchor": "end", class: "jx-chart__text" }, maxCount));
    chart.appendChild(svg("text", { x: PAD.left - 4, y: H - PAD.bottom, "text-anchor": "end", class: "jx-chart__text" }, 0));
    // Percentile lines; labels that would overlap are merged ("median/p95").
    var labels = [];
    [["p05", "p5"], ["p50", "median"], ["p95", "p95"]].forEach(function (entry) {
      var v = summary[entry[0]];
      if (v === null || v === undefined) return;
      var at = x(v);
      chart.appendChild(svg("line", { x1: at, y1: PAD.top, x2: at, y2: H - PAD.bottom, class: "jx-chart__pct" }));
      var last = labels[labels.length - 1];
      if (last && Math.abs(last.at - at) < 34) last.text += "/" + entry[1];
      else labels.push({ at: at, text: entry[1] });
    });
    labels.forEach(function (label) {
      chart.appendChild(svg("text", { x: label.at, y: H - 4, "text-anchor": "middle", class: "jx-chart__text jx-chart__text--small" }, label.text));
    });
    var described = [];
    [["sample", marks.sample, "jx-chart__sample"], ["outcome", marks.outcome, "jx-chart__outcome"]].forEach(function (entry) {
      var v = Number(entry[1]);
      if (entry[1] === undefined || entry[1] === null || !isFinite(v)) return;
      if (entry[0] === "outcome" && Number(marks.sample) === v) return;
      var at = Math.max(PAD.left, Math.min(W - PAD.right, x(v)));
      chart.appendChild(svg("line", { x1: at, y1: PAD.top - 6, x2: at, y2: H - PAD.bottom, class: entry[2] }));
      chart.appendChild(svg("text", { x: at + 3, y: PAD.top + 2, class: "jx-chart__text jx-chart__text--mark" }, entry[0] + " " + fmt(v)));
      described.push(entry[0] + " " + fmt(v));
    });
    var stats = "mean " + fmt(summary.mean) + ", median " + fmt(summary.p50) + ", 90% between " + fmt(summary.p05) + " and " + fmt(summary.p95);
    return figure(name, chart, stats + (described.length ? "; " + described.join(", ") : ""), title + ": " + stats + (described.length ? " · " + described.join(" · ") : ""));
  }

  function bars(name, table, marks) {
    var keys = Object.keys(table);
    var title = label(name);
    var chart = frame(title);
    var maxCount = Math.max.apply(null, keys.map(function (k) { return Number(table[k]) || 0; }).concat([1]));
    var plotW = W - PAD.left - PAD.right;
    var plotH = H - PAD.top - PAD.bottom;
    var step = plotW / Math.max(1, keys.length);
    keys.forEach(function (key, i) {
      var count = Number(table[key]) || 0;
      var h = (count / maxCount) * plotH;
      var chosen = marks && String(marks.sample) === key;
      var bar = svg("rect", { x: PAD.left + i * step + 3, y: H - PAD.bottom - h, width: Math.max(1, step - 6), height: h, class: "jx-chart__bar" + (chosen ? " jx-chart__bar--sample" : "") });
      bar.appendChild(svg("title", {}, key + ": " + count));
      chart.appendChild(bar);
      chart.appendChild(svg("text", { x: PAD.left + i * step + step / 2, y: H - PAD.bottom + 14, "text-anchor": "middle", class: "jx-chart__text" }, key));
    });
    var text = keys.map(function (k) { return k + " " + table[k]; }).join(", ");
    return figure(name, chart, text, title + ": " + text);
  }

  function isSummary(value) {
    return value && typeof value === "object" && value.histogram && typeof value.histogram === "object";
  }

  function isTable(value) {
    return value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0 &&
      Object.keys(value).every(function (k) { return typeof value[k] === "number"; });
  }

  /* One figure per quantity of a distribution; sample/outcome values are looked up by name. */
  function distribution(dist, sample, outcome) {
    var figures = [];
    if (!dist || typeof dist !== "object") return figures;
    var valueOf = function (source, key) {
      if (source === null || source === undefined) return undefined;
      if (typeof source !== "object") return source;
      return source[key];
    };
    Object.keys(dist).forEach(function (key) {
      var value = dist[key];
      if (isSummary(value)) {
        figures.push(histogram(key, value, { sample: valueOf(sample, key), outcome: valueOf(outcome, key) }));
      } else if (isTable(value)) {
        figures.push(bars(key, value, { sample: valueOf(sample, key) }));
      }
    });
    return figures;
  }

  window.JointEx = window.JointEx || {};
  window.JointEx.charts = { histogram: histogram, bars: bars, distribution: distribution, format: fmt };
})();
