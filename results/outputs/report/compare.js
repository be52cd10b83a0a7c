// Comparison page: runs side by side (see results/compare.ts for the data).
(function () {
  "use strict";
  var SP = window.SP, h = SP.h, fmt = SP.fmt;
  var D = SP.readData("slotproof-compare");
  var app = document.getElementById("app");
  var runs = D.runs;
  var state = { log: true };

  app.appendChild(h("div", { class: "eyebrow", text: "slotproof comparison" }));
  app.appendChild(h("h1", { text: runs.length + " runs side by side" }));
  var scenarios = runs.map(function (r) { return r.scenario; }).filter(function (v, i, a) { return a.indexOf(v) === i; });
  app.appendChild(h("div", { class: "subline" }, h("span", { class: "wrap", text: "scenario" + (scenarios.length > 1 ? "s " : " ") + scenarios.join(", ") }), h("span", { text: "generated " + D.generatedAt })));

  // ---- table
  var sec = h("section", { class: "panel", id: "runs" }, h("div", { class: "section-head" }, h("div", null, h("h2", { text: "Runs" }), h("p", { class: "muted small", text: "Worst p99 ratio: the worst window p99 during the migration over the median p99 before it. Spike time: windows with p99 above 3× baseline (or the latency check's spikes)." }))));
  app.appendChild(sec);
  var headers = ["", "Run", "Strategy", "Verdict", "Migration", "Keys/s", "Worst p99 ratio", "Spike time", "Redirects", "Errors", "Checks and gates"];
  var numeric = { "Migration": 1, "Keys/s": 1, "Worst p99 ratio": 1, "Worst p99": 1, "Spike time": 1, "Redirects": 1, "Errors": 1, "Throughput": 1 };
  function best(key, lowIsGood) {
    var vals = runs.map(function (r) { return r[key]; }).filter(function (v) { return v != null && isFinite(v); });
    if (vals.length < 2) return null;
    return lowIsGood ? Math.min.apply(null, vals) : Math.max.apply(null, vals);
  }
  var bestOf = { keysPerSec: best("keysPerSec", false), worstP99Ratio: best("worstP99Ratio", true), spikeMs: best("spikeMs", true), redirects: best("redirects", true), errors: best("errors", true) };
  function numCell(text, key, r) {
    var isBest = bestOf[key] != null && r[key] === bestOf[key];
    return h("td", { class: "num", style: isBest ? "font-weight: 700" : null, title: isBest ? "best of these runs" : null, text: text });
  }
  /** passing checks are counted; failing and unknown ones are named */
  function checksCell(r) {
    var ok = r.checks.filter(function (c) { return c.valid === true; }).length;
    var bad = r.checks.filter(function (c) { return c.valid !== true; });
    return h("div", null, h("span", { text: "checks: " + ok + " of " + r.checks.length + " passed" }),
      bad.map(function (c) { return h("div", { class: "wrap" }, h("span", { class: c.valid === false ? "sev-error" : "sev-warn", text: SP.verdictWord(c.valid) + ": " }), h("span", { text: c.name })); }));
  }
  var rows = runs.map(function (r, i) {
    var cls = SP.verdictClass(r.verdict);
    return h("tr", null,
      h("td", null, h("i", { style: "display:inline-block;width:12px;height:12px;border-radius:3px;background:" + SP.PALETTE[i % SP.PALETTE.length] })),
      h("td", { style: "min-width: 9em", class: "wrap" }, h("div", { style: "font-weight:600", text: r.label }), h("div", { class: "muted small", text: r.server }), h("div", { class: "muted small", text: fmt.int(r.opsPerSec) + " ops/s" })),
      h("td", { class: "wrap", text: r.strategy }),
      h("td", null, h("span", { class: "badge b-" + cls, text: r.verdict })),
      h("td", { class: "num", text: r.durationMs != null ? fmt.ms(r.durationMs) + (r.migrationOutcome !== "success" ? " (" + r.migrationOutcome + ")" : "") : r.migrationOutcome }),
      numCell(r.keysPerSec != null ? fmt.int(r.keysPerSec) : "n/a", "keysPerSec", r),
      (function () { var c = numCell(fmt.ratio(r.worstP99Ratio), "worstP99Ratio", r); c.appendChild(h("div", { class: "muted small", style: "font-weight: 400", text: fmt.us(r.baselineP99Us) + " → " + fmt.us(r.worstP99Us) })); return c; })(),
      numCell(fmt.ms(r.spikeMs), "spikeMs", r),
      numCell(fmt.int(r.redirects), "redirects", r),
      numCell(fmt.int(r.errors), "errors", r),
      h("td", { class: "small", style: "min-width: 14em" }, checksCell(r),
        h("div", { class: "muted", text: "gates: " + r.gates.passed + " passed, " + r.gates.failed + " failed" + (r.gates.unknown ? ", " + r.gates.unknown + " unknown" : "") })));
  });
  sec.appendChild(h("div", { class: "table-wrap" }, h("table", { class: "data" }, h("thead", null, h("tr", null, headers.map(function (x) { return h("th", { class: numeric[x] ? "num" : null, text: x }); }))), h("tbody", null, rows))));

  // ---- overlaid timelines
  var tl = h("section", { class: "panel", id: "overlay" });
  app.appendChild(tl);
  var unaligned = runs.filter(function (r) { return r.alignedAt !== "migration"; }).map(function (r) { return r.label; });
  var logBox = h("input", { type: "checkbox", onchange: function () { state.log = logBox.checked; build(); } });
  logBox.checked = state.log;
  tl.appendChild(h("div", { class: "section-head" },
    h("div", null, h("h2", { text: "Timelines aligned at migration start" }), h("p", { class: "muted small", text: "x = seconds since each run's migration started (0 = start; dashed = where each migration ended). Drag to zoom, double-click to reset." + (unaligned.length ? " Aligned at run start (no migration): " + unaligned.join(", ") + "." : "") })),
    h("div", { class: "controls" }, h("label", { class: "toggle" }, logBox, "Log scale"), h("button", { type: "button", class: "btn", text: "Reset zoom", onclick: function () { group && group.reset(); } }))));
  var p99El = h("div"), tputEl = h("div");
  tl.appendChild(h("div", { class: "chart" }, h("div", { class: "chart-title" }, h("span", { text: "p99 latency per window" })), p99El));
  tl.appendChild(h("div", { class: "chart" }, h("div", { class: "chart-title" }, h("span", { text: "Throughput" }), h("span", { class: "unit", text: "ops per second" })), tputEl));

  var tables = runs.map(function (r) { return [r.t, r.p99Us.map(function (v) { return v == null ? null : v / 1000; }), r.opsPerSecSeries]; });
  var joined = runs.length ? uPlot.join(tables) : [[]];
  var xs = joined[0];
  var minX = xs.length ? xs[0] : 0, maxX = xs.length ? xs[xs.length - 1] : 1;
  var group = null, charts = [];

  function markers(u) {
    var ctx = u.ctx, bb = u.bbox, pr = devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
    var x0 = u.valToPos(0, "x", true);
    ctx.strokeStyle = "#1c2230"; ctx.lineWidth = 1.25 * pr;
    ctx.beginPath(); ctx.moveTo(x0, bb.top); ctx.lineTo(x0, bb.top + bb.height); ctx.stroke();
    ctx.fillStyle = "#1c2230"; ctx.font = (10.5 * pr) + "px system-ui, sans-serif"; ctx.textBaseline = "top";
    ctx.fillText("migration start", x0 + 4 * pr, bb.top + 3 * pr);
    runs.forEach(function (r, i) {
      if (r.migrationEndS == null) return;
      var x = u.valToPos(r.migrationEndS, "x", true);
      ctx.strokeStyle = SP.PALETTE[i % SP.PALETTE.length]; ctx.setLineDash([4 * pr, 3 * pr]); ctx.lineWidth = pr;
      ctx.beginPath(); ctx.moveTo(x, bb.top); ctx.lineTo(x, bb.top + bb.height); ctx.stroke();
    });
    ctx.restore();
  }
  function axisX() { return SP.axis({ space: 70, incrs: SP.TIME_INCRS, values: function (u, sp, ai, space, incr) { var m = Math.max(Math.abs(u.scales.x.min), Math.abs(u.scales.x.max)) >= 60; return sp.map(function (v) { return fmt.clock(v, incr, m); }); } }); }

  function build() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    group = new SP.ChartGroup("slotproof-compare", minX, maxX);
    var width = SP.widthOf(tl) - 40;
    var p99Series = [{ label: "t", value: function (u, v) { return v == null ? "" : fmt.clock(v); } }], p99Data = [xs];
    var tpSeries = [{ label: "t", value: function (u, v) { return v == null ? "" : fmt.clock(v); } }], tpData = [xs];
    runs.forEach(function (r, i) {
      var color = SP.PALETTE[i % SP.PALETTE.length];
      p99Series.push({ label: r.label, stroke: color, width: 1.5, spanGaps: true, points: { show: false }, value: function (u, v) { return v == null ? "–" : fmt.us(v * 1000); } });
      p99Data.push(joined[1 + i * 2].map(function (v) { return v == null || (state.log && v <= 0) ? null : v; }));
      tpSeries.push({ label: r.label, stroke: color, width: 1.5, spanGaps: true, points: { show: false }, value: function (u, v) { return v == null ? "–" : fmt.rate(v) + "/s"; } });
      tpData.push(joined[2 + i * 2]);
    });
    var msVals = function (u, sp) { return sp.map(function (v) { return v == null ? "" : v >= 1000 ? v / 1000 + " s" : v >= 1 ? +v.toPrecision(3) + " ms" : +(v * 1000).toPrecision(3) + " µs"; }); };
    charts.push(group.add(new uPlot(group.options({
      width: width, height: 260, scales: { x: { time: false }, y: state.log ? { distr: 3, log: 10 } : {} },
      axes: [axisX(), SP.axis({ size: SP.Y_AXIS_SIZE, values: msVals })], series: p99Series, hooks: { draw: [markers] },
    }), p99Data, p99El)));
    charts.push(group.add(new uPlot(group.options({
      width: width, height: 220, scales: { x: { time: false }, y: { range: function (u, mn, mx) { return [0, Math.max(1, mx * 1.08)]; } } },
      axes: [axisX(), SP.axis({ size: SP.Y_AXIS_SIZE, values: function (u, sp) { return sp.map(function (v) { return fmt.rate(v); }); } })], series: tpSeries, hooks: { draw: [markers] },
    }), tpData, tputEl)));
  }
  if (runs.length) build();
  window.addEventListener("resize", SP.debounce(function () { if (group) group.resize(SP.widthOf(tl) - 40); }, 150));
  app.appendChild(h("footer", null, h("div", { text: "Generated by slotproof at " + D.generatedAt + " from " + runs.map(function (r) { return r.dir; }).join(", ") })));
  window.slotproofCompare = { charts: function () { return charts; } };
  document.documentElement.setAttribute("data-rendered", "true");
})();
