// report.html: draws one run from the embedded data block (see results/outputs/report-model.ts).
(function () {
  "use strict";
  var SP = window.SP, h = SP.h, s = SP.s, fmt = SP.fmt, C = SP.C;
  var D = SP.readData("slotproof-data");
  var app = document.getElementById("app");
  var durS = Math.max(D.durationMs / 1000, 1e-3);
  var group = new SP.ChartGroup("slotproof-timeline", 0, durS);
  var state = { split: "all", log: true };
  var timelineCharts = [];
  var hdrChart = null;

  // the pacing chart has a second y axis on the right: then every timeline chart keeps that
  // much room on the right, so their plot areas line up (null: uPlot's own padding)
  var RIGHT_GUTTER = D.pacing && D.pacing.t.length ? SP.Y_AXIS_SIZE : null;

  var BAND = { migration: "rgba(0, 114, 178, 0.075)", fault: "rgba(213, 94, 0, 0.13)" };

  function section(id, title, intro) {
    var el = h("section", { class: "panel", id: id }, h("div", { class: "section-head" }, h("div", null, h("h2", { text: title }), intro ? h("p", { class: "muted small", text: intro }) : null)));
    app.appendChild(el);
    return el;
  }

  /** build a part of the page; a failure shows in place and is reported, the rest still renders */
  function guarded(name, parent, fn) {
    try { fn(); } catch (e) {
      console.error("slotproof report: " + name + " failed", e);
      (parent || app).appendChild(h("p", { class: "sev-error", text: "Could not draw " + name + ": " + (e && e.message ? e.message : String(e)) }));
    }
  }

  // ---------------------------------------------------------------- header & verdict
  function header() {
    var env = D.environment;
    app.appendChild(h("div", { class: "eyebrow", text: "slotproof run report" }));
    app.appendChild(h("h1", { class: "wrap", text: D.scenario.name }));
    app.appendChild(h("div", { class: "subline" },
      h("span", { text: new Date(D.startedAt).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") }),
      h("span", { text: "duration " + fmt.ms(D.durationMs) }),
      h("span", { text: "strategy " + D.strategy.name }),
      h("span", { text: env.server + " " + env.serverVersion }),
      h("span", { text: env.primaries + " primaries, " + env.replicasPerPrimary + " replica" + (env.replicasPerPrimary === 1 ? "" : "s") + " each" }),
      h("span", { text: "seed " + D.scenario.seed })));
  }

  function verdictRow(name, valid, msg, isExpr) {
    var cls = SP.verdictClass(valid);
    return h("div", { class: "vrow" },
      h("span", null, h("span", { class: "badge b-" + cls, text: SP.verdictWord(valid) })),
      h("div", null, h("span", { class: isExpr ? "name expr" : "name", text: name }), msg ? h("div", { class: "msg small", text: msg }) : null));
  }

  function banner() {
    var cls = SP.verdictClass(D.verdict);
    var checks = h("div", { class: "banner-col" }, h("h4", { text: "Checks" }));
    if (D.checks.length === 0) checks.appendChild(h("div", { class: "empty", text: "no checks ran" }));
    D.checks.forEach(function (c) { checks.appendChild(verdictRow(c.name, c.valid, c.summary)); });
    var gates = h("div", { class: "banner-col" }, h("h4", { text: "Gates" }));
    if (D.gates.length === 0) gates.appendChild(h("div", { class: "empty", text: "no gates defined" }));
    D.gates.forEach(function (g) {
      var msg = g.message + (g.actual !== undefined && String(g.message).indexOf(String(g.actual)) < 0 ? " (actual " + String(g.actual) + ")" : "");
      gates.appendChild(verdictRow(g.expr, g.passed, msg, true));
    });
    app.appendChild(h("div", { class: "banner v-" + cls, id: "verdict", role: "status" },
      h("div", { class: "banner-head" },
        h("div", { class: "verdict-word", text: String(D.verdict).toUpperCase() }),
        h("div", { class: "banner-reason", text: D.reason || "" })),
      h("div", { class: "banner-grid" }, checks, gates)));
  }

  function figures() {
    var f = D.figures;
    if (D.timeline.t.length === 0 && !f.ops) return; // nothing was measured: the banner says why
    var cards = [
      ["Throughput", fmt.int(f.opsPerSec) + " ops/s", fmt.int(f.ops) + " ops in " + fmt.ms(f.durationMs)],
      ["p99 baseline", fmt.us(f.baselineP99Us), "median window p99 before migration"],
      ["Worst p99", fmt.us(f.worstP99Us), f.worstP99Ratio != null ? fmt.ratio(f.worstP99Ratio) + " baseline" + (f.worstP99AtMs != null ? " at " + fmt.clock(f.worstP99AtMs / 1000) : "") : "", f.worstP99Ratio != null && f.worstP99Ratio > 3],
      ["Spike time", fmt.ms(f.spikeMs), f.spikesFrom === "checker" ? "from the latency check" : "windows with p99 > 3× baseline", f.spikeMs > 0],
      ["Migration", f.migrationMs != null ? fmt.ms(f.migrationMs) : "not run", D.migration.outcome + (f.keysPerSec != null ? " · " + fmt.int(f.keysPerSec) + " keys/s" : ""), D.migration.outcome !== "success" && D.migration.outcome !== "not-run"],
      ["Redirects", fmt.int(f.redirects.total), "MOVED " + fmt.int(f.redirects.MOVED) + " · ASK " + fmt.int(f.redirects.ASK) + " · TRYAGAIN " + fmt.int(f.redirects.TRYAGAIN)],
      ["Errors", fmt.int(f.errorsTotal), Object.keys(f.errors).filter(function (k) { return f.errors[k] > 0; }).map(function (k) { return k + " " + fmt.int(f.errors[k]); }).join(" · ") || "none", f.errorsTotal > 0],
      ["Late / dropped", fmt.int(f.late) + " / " + fmt.int(f.dropped), "open-loop starts behind schedule"],
    ];
    app.appendChild(h("div", { class: "figures" }, cards.map(function (c) {
      return h("div", { class: "figure" + (c[3] ? " hot" : "") }, h("div", { class: "label", text: c[0] }), h("div", { class: "value", text: c[1] }), h("div", { class: "note", text: c[2] }));
    })));
  }

  // ---------------------------------------------------------------- timeline
  function xPos(u, sec) { return u.valToPos(sec, "x", true); }

  function drawBands(u) {
    var ctx = u.ctx, bb = u.bbox;
    ctx.save();
    ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
    function fill(a, b, color) {
      var x0 = xPos(u, a / 1000), x1 = xPos(u, b / 1000);
      ctx.fillStyle = color; ctx.fillRect(x0, bb.top, Math.max(1, x1 - x0), bb.height);
    }
    if (D.bands.migration) fill(D.bands.migration.startMs, D.bands.migration.endMs, BAND.migration);
    D.bands.faults.forEach(function (f) { fill(f.startMs, f.endMs != null ? f.endMs : D.durationMs, BAND.fault); });
    // phase boundaries as thin lines: the lane strip above names them
    var pr = devicePixelRatio || 1;
    ctx.strokeStyle = "rgba(28, 34, 48, 0.22)"; ctx.lineWidth = pr; ctx.setLineDash([3 * pr, 3 * pr]);
    D.bands.phases.forEach(function (p, i) {
      if (i === 0 && p.startMs <= 0) return;
      var x = Math.round(xPos(u, p.startMs / 1000)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, bb.top); ctx.lineTo(x, bb.top + bb.height); ctx.stroke();
    });
    ctx.restore();
  }

  /** final job states by their usual names; everything else is a step on the way */
  function jobOutcome(state) {
    var st = String(state).toLowerCase();
    if (/^(success|succeeded|done|finished|completed?)\b/.test(st)) return "ok";
    if (/^(fail(ed|ure)?|error|cancel(l)?ed|abort(ed)?|timeout|timed-out)\b/.test(st)) return "bad";
    return "step";
  }
  function jobColor(state) {
    var o = jobOutcome(state);
    return o === "ok" ? C.green : o === "bad" ? "#c62828" : C.blue;
  }
  var STEP_SHADES = ["#cfe3f3", "#b4d3ec", "#98c2e4", "#7cb1dc", "#60a0d4"];

  /** jobs as spans (first to last state): one group of rows per side, stacked when spans overlap */
  function jobRows() {
    var byJob = {}, order = [];
    D.jobs.forEach(function (j) {
      var k = j.jobId + "\u0000" + (j.side || "");
      if (!byJob[k]) { byJob[k] = []; order.push(k); }
      byJob[k].push(j);
    });
    var sides = [];
    order.forEach(function (k) { var sd = byJob[k][0].side || ""; if (sides.indexOf(sd) < 0) sides.push(sd); });
    var rows = [];
    sides.forEach(function (sd) {
      var spans = order.filter(function (k) { return (byJob[k][0].side || "") === sd; }).map(function (k) {
        var st = byJob[k]; return { id: st[0].jobId, states: st, start: st[0].atMs, end: st[st.length - 1].atMs };
      });
      spans.sort(function (a, b) { return a.start - b.start; });
      var mine = [];
      spans.forEach(function (sp) {
        for (var r = 0; r < mine.length; r++) if (mine[r].end < sp.start) { mine[r].end = sp.end; mine[r].items.push(sp); return; }
        mine.push({ end: sp.end, items: [sp], label: mine.length === 0 ? (sd || "jobs") : "" });
      });
      rows = rows.concat(mine);
    });
    return rows;
  }

  /** fault rows of the lane strip: stacked when faults overlap */
  function faultRows() {
    var rows = [];
    D.bands.faults.slice().sort(function (a, b) { return a.startMs - b.startMs; }).forEach(function (f) {
      var end = f.endMs != null ? f.endMs : D.durationMs;
      for (var r = 0; r < rows.length; r++) if (rows[r].end <= f.startMs) { rows[r].end = end; rows[r].items.push(f); return; }
      rows.push({ end: end, items: [f] });
    });
    return rows.length ? rows : [{ end: 0, items: [] }];
  }

  function laneChart(width) {
    var fRows = faultRows(), jRows = jobRows();
    var rows = [{ label: "phases" }, { label: "migration" }];
    fRows.forEach(function (_, i) { rows.push({ label: i === 0 ? "faults" : "" }); });
    jRows.forEach(function (jr) { rows.push({ label: jr.label }); });
    var ROW = 22;
    var opts = group.options({
      width: width, height: rows.length * ROW + 10,
      legend: { show: false },
      padding: [6, RIGHT_GUTTER != null ? RIGHT_GUTTER : 12, 2, 0],
      scales: { x: { time: false }, y: { auto: false, range: [0, 1] } },
      axes: [{ show: false }, SP.axis({ size: SP.Y_AXIS_SIZE, values: function () { return []; }, grid: { show: false }, ticks: { show: false } })],
      series: [{ label: "time", value: function (u, v) { return fmt.clock(v); } }, { label: "", stroke: "transparent", points: { show: false } }],
      hooks: { draw: [function (u) {
        var ctx = u.ctx, bb = u.bbox, pr = devicePixelRatio || 1, rh = ROW * pr;
        ctx.save();
        ctx.font = (11 * pr) + "px system-ui, sans-serif";
        ctx.textBaseline = "middle";
        ctx.textAlign = "right"; ctx.fillStyle = "#5d6675";
        rows.forEach(function (r, i) { if (r.label) ctx.fillText(r.label, bb.left - 8 * pr, bb.top + (i + 0.5) * rh); });
        ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
        ctx.textAlign = "left";
        var right = bb.left + bb.width;
        /** a bar with its label inside, or after it when the bar is narrow and the row is free until `freeUntil` (ms) */
        function bar(row, a, b, color, text, textColor, freeUntil) {
          var x0 = xPos(u, a / 1000), x1 = xPos(u, b / 1000), y = bb.top + row * rh + 3 * pr, hgt = rh - 6 * pr;
          ctx.fillStyle = color; ctx.fillRect(x0, y, Math.max(2 * pr, x1 - x0), hgt);
          var vis0 = Math.max(x0, bb.left), vis1 = Math.min(x1, right);
          var inside = SP.fitText(ctx, text, vis1 - vis0 - 8 * pr);
          ctx.fillStyle = textColor;
          // wide bars keep their (truncated) label inside; narrow ones put it after the bar when the row is free
          if (inside === text || (inside && vis1 - vis0 >= 120 * pr)) { ctx.fillText(inside, vis0 + 4 * pr, y + hgt / 2); return; }
          var limit = Math.min(right, freeUntil != null ? xPos(u, freeUntil / 1000) : right) - 4 * pr;
          var after = SP.fitText(ctx, text, limit - (x1 + 4 * pr));
          if (after && x1 + 4 * pr >= bb.left) ctx.fillText(after, x1 + 4 * pr, y + hgt / 2);
          else if (inside) ctx.fillText(inside, vis0 + 4 * pr, y + hgt / 2);
        }
        D.bands.phases.forEach(function (p, i) { bar(0, p.startMs, p.endMs, i % 2 ? "#e4e7ec" : "#eef0f3", p.name, "#3a4150", p.endMs); });
        if (D.bands.migration) bar(1, D.bands.migration.startMs, D.bands.migration.endMs, "rgba(0,114,178,0.22)", "migration " + D.bands.migration.label, "#0b3f73");
        fRows.forEach(function (fr, i) {
          fr.items.forEach(function (f, k) {
            var next = fr.items[k + 1];
            bar(2 + i, f.startMs, f.endMs != null ? f.endMs : D.durationMs, "rgba(213,94,0,0.30)", f.label, "#7a3300", next ? next.startMs : null);
          });
        });
        jRows.forEach(function (jr, i) {
          var row = 2 + fRows.length + i, y = bb.top + row * rh + 3 * pr, hgt = rh - 6 * pr;
          jr.items.forEach(function (sp, k) {
            // one segment per state, darker as the job advances; the end marks how it finished
            sp.states.forEach(function (st, n) {
              var nextAt = n + 1 < sp.states.length ? sp.states[n + 1].atMs : null;
              if (nextAt == null) return;
              var x0 = xPos(u, st.atMs / 1000), x1 = xPos(u, nextAt / 1000);
              ctx.fillStyle = STEP_SHADES[Math.min(n, STEP_SHADES.length - 1)];
              ctx.fillRect(x0, y, Math.max(pr, x1 - x0), hgt);
            });
            var last = sp.states[sp.states.length - 1], xe = xPos(u, last.atMs / 1000), r = 4.5 * pr, cy = y + hgt / 2;
            ctx.fillStyle = jobColor(last.state);
            ctx.beginPath(); ctx.moveTo(xe, cy - r); ctx.lineTo(xe + r, cy); ctx.lineTo(xe, cy + r); ctx.lineTo(xe - r, cy); ctx.closePath(); ctx.fill();
            var next = jr.items[k + 1];
            var label = sp.id + " → " + last.state;
            var x0 = Math.max(bb.left, xPos(u, sp.start / 1000)), limit = (next ? xPos(u, next.start / 1000) : right) - 4 * pr;
            var inside = SP.fitText(ctx, label, xe - r - x0 - 8 * pr);
            ctx.fillStyle = "#1c2a3a";
            if (inside === label || (inside && xe - x0 >= 120 * pr)) ctx.fillText(inside, x0 + 4 * pr, cy);
            else {
              var after = SP.fitText(ctx, label, limit - (xe + r + 3 * pr));
              if (after) ctx.fillText(after, xe + r + 3 * pr, cy);
              else if (inside) ctx.fillText(inside, x0 + 4 * pr, cy);
            }
          });
        });
        ctx.restore();
      }] },
    });
    return { opts: opts, data: [[0, durS], [null, null]] };
  }

  var SPLITS = {
    all: [{ key: "all", label: "all ops", color: C.blue }],
    rw: [{ key: "read", label: "reads", color: C.blue }, { key: "write", label: "writes", color: C.red }],
    slots: [{ key: "migrating", label: "migrating slots", color: C.orange }, { key: "other", label: "other slots", color: C.blue }],
  };

  function hasData(key) { return D.timeline.rate[key].some(function (v) { return v != null && v > 0; }); }

  function timeAxis() {
    return SP.axis({ space: 70, incrs: SP.TIME_INCRS, values: function (u, splits, ai, space, incr) { var m = u.scales.x.max >= 60; return splits.map(function (v) { return fmt.clock(v, incr, m); }); } });
  }
  function msAxisValues(u, splits) {
    return splits.map(function (v) {
      if (v == null) return "";
      if (v >= 1000) return (v / 1000) + " s";
      if (v >= 1) return (+v.toPrecision(3)) + " ms";
      return (+(v * 1000).toPrecision(3)) + " µs";
    });
  }
  function baseSeries() { return { label: "time", value: function (u, v) { return v == null ? "" : fmt.clock(v); } }; }

  function throughputChart(width) {
    var series = [baseSeries()], data = [D.timeline.t];
    SPLITS[state.split].forEach(function (g, i) {
      series.push({ label: g.label, stroke: g.color, width: 1.5, fill: i === 0 && state.split === "all" ? "rgba(0,114,178,0.08)" : undefined, points: { show: false }, value: function (u, v) { return v == null ? "–" : fmt.rate(v) + "/s"; } });
      data.push(D.timeline.rate[g.key]);
    });
    var opts = group.options({
      width: width, height: 190,
      padding: [null, RIGHT_GUTTER, null, null],
      scales: { x: { time: false }, y: { range: function (u, mn, mx) { return [0, Math.max(1, mx * 1.08)]; } } },
      axes: [timeAxis(), SP.axis({ size: SP.Y_AXIS_SIZE, values: function (u, sp) { return sp.map(function (v) { return fmt.rate(v); }); } })],
      series: series,
      hooks: { drawClear: [drawBands] },
    });
    return { opts: opts, data: data };
  }

  function latencyChart(width) {
    var series = [baseSeries()], data = [D.timeline.t];
    var toMs = function (arr) { return arr.map(function (v) { return v == null || (state.log && v <= 0) ? null : v / 1000; }); };
    var fmtV = function (u, v) { return v == null ? "–" : fmt.us(v * 1000); };
    if (state.split === "all") {
      var L = D.timeline.latency.all;
      [["p50", C.green, null, 1.25], ["p90", C.sky, null, 1.25], ["p99", C.blue, null, 1.75], ["p999", C.purple, null, 1.25], ["max", "#6b7280", [3, 3], 1]].forEach(function (p) {
        series.push({ label: p[0] === "p999" ? "p99.9" : p[0], stroke: p[1], width: p[3], dash: p[2] || undefined, points: { show: false }, value: fmtV });
        data.push(toMs(L[p[0]]));
      });
    } else {
      SPLITS[state.split].forEach(function (g) {
        var L = D.timeline.latency[g.key];
        [["p50", [2, 3], 1.1], ["p99", null, 1.75], ["max", [6, 4], 1]].forEach(function (p) {
          series.push({ label: g.label + " " + p[0], stroke: g.color, width: p[2], dash: p[1] || undefined, points: { show: false }, value: fmtV });
          data.push(toMs(L[p[0]]));
        });
      });
    }
    var noise = D.noise && D.noise.p99 > 0 ? D.noise.p99 / 1000 : null;
    var opts = group.options({
      width: width, height: 240,
      padding: [null, RIGHT_GUTTER, null, null],
      scales: { x: { time: false }, y: state.log ? { distr: 3, log: 10 } : { range: function (u, mn, mx) { return [0, Math.max(0.001, mx * 1.05)]; } } },
      axes: [timeAxis(), SP.axis({ size: SP.Y_AXIS_SIZE, values: msAxisValues })],
      series: series,
      hooks: {
        drawClear: [drawBands],
        draw: [function (u) {
          if (noise == null) return;
          var y = u.valToPos(noise, "y", true), bb = u.bbox, ctx = u.ctx, pr = devicePixelRatio || 1;
          if (!(y >= bb.top && y <= bb.top + bb.height)) return;
          ctx.save();
          ctx.strokeStyle = "#9aa3b0"; ctx.setLineDash([5 * pr, 4 * pr]); ctx.lineWidth = pr;
          ctx.beginPath(); ctx.moveTo(bb.left, y); ctx.lineTo(bb.left + bb.width, y); ctx.stroke();
          ctx.fillStyle = "#6b7280"; ctx.font = (10.5 * pr) + "px system-ui, sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "bottom";
          var label = "noise floor: harness event-loop lag p99 " + fmt.us(noise * 1000), tw = ctx.measureText(label).width;
          ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(bb.left + bb.width - 8 * pr - tw, y - 15 * pr, tw + 8 * pr, 13 * pr);
          ctx.fillStyle = "#5d6675";
          ctx.fillText(label, bb.left + bb.width - 4 * pr, y - 2 * pr);
          ctx.restore();
        }],
      },
    });
    return { opts: opts, data: data };
  }

  function errorsChart(width) {
    var series = [baseSeries()], data = [D.timeline.t], i = 0;
    var fmtV = function (u, v) { return v == null ? "–" : fmt.rate(v) + "/s"; };
    var ERR_COLORS = { timeout: "#c62828", connection: C.purple, CLUSTERDOWN: C.black, TRYAGAIN: "#8a7a00", MOVED: "#8c5a00", ASK: "#2a6f9e", CROSSSLOT: C.green, other: C.grey };
    Object.keys(D.timeline.errors).forEach(function (k) {
      series.push({ label: "error " + k, stroke: ERR_COLORS[k] || SP.PALETTE[i++ % SP.PALETTE.length], width: 1.75, points: { show: false }, value: fmtV });
      data.push(D.timeline.errors[k]);
    });
    [["MOVED", C.orange], ["ASK", C.sky], ["TRYAGAIN", C.yellow]].forEach(function (r) {
      series.push({ label: "redirect " + r[0], stroke: r[1], width: 1.25, dash: [5, 3], points: { show: false }, value: fmtV });
      data.push(D.timeline.redirects[r[0]]);
    });
    series.push({ label: "late starts", stroke: C.grey, width: 1, dash: [2, 3], points: { show: false }, value: fmtV });
    data.push(D.timeline.late);
    series.push({ label: "dropped", stroke: C.black, width: 1, dash: [1, 3], points: { show: false }, value: fmtV });
    data.push(D.timeline.dropped);
    var opts = group.options({
      width: width, height: 200,
      padding: [null, RIGHT_GUTTER, null, null],
      scales: { x: { time: false }, y: state.log
        ? { distr: 4, asinh: 1, range: function (u, mn, mx) { return [0, Math.max(10, mx * 2)]; } }
        : { range: function (u, mn, mx) { return [0, Math.max(1, mx * 1.08)]; } } },
      axes: [timeAxis(), SP.axis({
        size: SP.Y_AXIS_SIZE,
        splits: state.log ? function (u) { var out = [0], mx = u.scales.y.max; for (var d = 1; d <= mx; d *= 10) out.push(d); return out; } : undefined,
        values: function (u, sp) { return sp.map(function (v) { return v == null ? "" : fmt.rate(v); }); },
      })],
      series: series,
      hooks: { drawClear: [drawBands] },
    });
    return { opts: opts, data: data };
  }

  function progressChart(width) {
    var P = D.progress;
    var stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    var opts = group.options({
      width: width, height: 170,
      padding: [null, RIGHT_GUTTER, null, null],
      scales: { x: { time: false }, y: { auto: false, range: [0, 100] } },
      axes: [timeAxis(), SP.axis({ size: SP.Y_AXIS_SIZE, values: function (u, sp) { return sp.map(function (v) { return v + "%"; }); }, splits: function () { return [0, 25, 50, 75, 100]; } })],
      series: [baseSeries(),
        { label: "slots moved", stroke: C.blue, width: 2, paths: stepped, points: { show: false }, value: function (u, v, si, i) { return v == null ? "–" : v + "% (" + fmt.int(P.slotsMoved[i]) + " of " + fmt.int(P.slotsPlanned) + ")"; } },
        { label: "keys moved", stroke: C.orange, width: 2, points: { show: false }, value: function (u, v, si, i) { return v == null ? "–" : v + "% (" + fmt.int(P.keysMoved[i]) + " of " + fmt.int(P.keysPlanned) + ")"; } }],
      hooks: {
        drawClear: [drawBands],
        draw: [function (u) {
          var ctx = u.ctx, bb = u.bbox, pr = devicePixelRatio || 1;
          ctx.save();
          ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
          D.jobs.forEach(function (j) {
            var x = xPos(u, j.atMs / 1000);
            ctx.strokeStyle = jobColor(j.state); ctx.globalAlpha = 0.55; ctx.lineWidth = pr; ctx.setLineDash([2 * pr, 3 * pr]);
            ctx.beginPath(); ctx.moveTo(x, bb.top); ctx.lineTo(x, bb.top + bb.height); ctx.stroke();
            ctx.globalAlpha = 1; ctx.setLineDash([]); ctx.fillStyle = jobColor(j.state);
            ctx.beginPath(); ctx.arc(x, bb.top + 5 * pr, 3.5 * pr, 0, Math.PI * 2); ctx.fill();
          });
          ctx.restore();
        }],
      },
    });
    return { opts: opts, data: [P.t, P.slotsPct, P.keysPct] };
  }

  /**
   * The adaptive controller (throttled strategy): the keys/s limit it set at each decision (a step
   * that holds until the next one), the keys/s really moved in each interval, and the live p99 it
   * decided on, against its budget on the right-hand ms axis. ▼ marks a decrease.
   */
  function pacingChart(width) {
    var P = D.pacing, n = P.t.length, budgetMs = P.budgetUs != null && P.budgetUs > 0 ? P.budgetUs / 1000 : null;
    var x = P.t.slice(), limit = P.rateKeysPerSec.slice(), achieved = P.achievedKeysPerSec.slice();
    var p99 = P.p99Us.map(function (v) { return v == null || (state.log && v <= 0) ? null : v / 1000; });
    // the last limit holds until the migration ends
    var endS = D.bands.migration ? D.bands.migration.endMs / 1000 : null;
    if (endS != null && endS > x[n - 1]) { x.push(endS); limit.push(limit[n - 1]); achieved.push(null); p99.push(null); }
    var stepAfter = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    // achieved keys/s is measured over the interval that ends at its decision
    var stepBefore = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: -1 }) : undefined;
    var keysV = function (u, v) { return v == null ? "–" : fmt.rate(v) + " keys/s"; };
    var maxKeys = 1;
    limit.concat(achieved).forEach(function (v) { if (v != null && v > maxKeys) maxKeys = v; });
    var opts = group.options({
      width: width, height: 220,
      padding: [null, 0, null, null],
      scales: {
        x: { time: false },
        // log mode: asinh (like the errors chart), so a limit of 10 keys/s still shows beside a start at 2,000
        y: state.log ? { distr: 4, asinh: 1, range: function () { return [0, maxKeys * 2]; } } : { range: function () { return [0, maxKeys * 1.1]; } },
        // the budget line always shows, with room on both sides of it
        ms: state.log
          ? { distr: 3, log: 10, range: function (u, mn, mx) {
            var lo = budgetMs != null ? Math.min(mn != null ? mn : budgetMs, budgetMs / 2) : mn != null ? mn : 0.1;
            var hi = budgetMs != null ? Math.max(mx != null ? mx : budgetMs, budgetMs * 2) : mx != null ? mx : 10;
            return uPlot.rangeLog(lo, Math.max(hi, lo * 10), 10, true);
          } }
          : { range: function (u, mn, mx) { return [0, Math.max(mx != null ? mx : 0, budgetMs != null ? budgetMs : 1) * 1.15]; } },
      },
      axes: [timeAxis(),
        SP.axis({
          size: SP.Y_AXIS_SIZE,
          splits: state.log ? function (u) { var out = [0], mx = u.scales.y.max; for (var d = 1; d <= mx; d *= 10) out.push(d); return out; } : undefined,
          values: function (u, sp) { return sp.map(function (v) { return v == null ? "" : fmt.rate(v); }); },
        }),
        SP.axis({ scale: "ms", side: 1, size: SP.Y_AXIS_SIZE, grid: { show: false }, values: msAxisValues })],
      series: [baseSeries(),
        // achieved first: the limit is drawn over it where the two meet
        { label: "achieved", stroke: C.green, width: 1.5, fill: "rgba(0,158,115,0.08)", paths: stepBefore, points: { show: false }, value: keysV },
        { label: "keys/s limit", stroke: C.blue, width: 2, paths: stepAfter, points: { show: false },
          value: function (u, v, si, i) { return v == null ? "–" : fmt.rate(v) + " keys/s" + (i != null && i < n ? " (" + P.decision[i] + (P.batchKeys[i] != null ? ", batch " + fmt.int(P.batchKeys[i]) : "") + ")" : ""); } },
        { label: "live p99", scale: "ms", stroke: C.purple, width: 1.25, points: { size: 4, width: 1 }, value: function (u, v) { return v == null ? "–" : fmt.us(v * 1000); } }],
      hooks: {
        drawClear: [drawBands],
        draw: [function (u) {
          var ctx = u.ctx, bb = u.bbox, pr = devicePixelRatio || 1;
          ctx.save();
          ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
          // the budget: a dashed line across the plot, labelled at its right end
          var y = budgetMs != null ? u.valToPos(budgetMs, "ms", true) : NaN;
          if (y >= bb.top && y <= bb.top + bb.height) {
            ctx.strokeStyle = "#c62828"; ctx.setLineDash([6 * pr, 4 * pr]); ctx.lineWidth = 1.25 * pr;
            ctx.beginPath(); ctx.moveTo(bb.left, y); ctx.lineTo(bb.left + bb.width, y); ctx.stroke();
            ctx.setLineDash([]);
            ctx.font = (10.5 * pr) + "px system-ui, sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "bottom";
            var label = "p99 budget " + msAxisValues(u, [budgetMs])[0], tw = ctx.measureText(label).width;
            ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(bb.left + bb.width - 8 * pr - tw, y - 15 * pr, tw + 8 * pr, 13 * pr);
            ctx.fillStyle = "#9b1c1c"; ctx.fillText(label, bb.left + bb.width - 4 * pr, y - 2 * pr);
          }
          // decreases: a red ▼ where the limit lands
          ctx.fillStyle = "#c62828";
          var r = 4.5 * pr;
          for (var i = 0; i < n; i++) {
            if (P.decision[i] !== "decrease") continue;
            var px = xPos(u, P.t[i]), py = u.valToPos(P.rateKeysPerSec[i], "y", true) - r - pr;
            ctx.beginPath(); ctx.moveTo(px - r, py - r); ctx.lineTo(px + r, py - r); ctx.lineTo(px, py + r * 0.6); ctx.closePath(); ctx.fill();
          }
          ctx.restore();
        }],
      },
    });
    return { opts: opts, data: [x, achieved, limit, p99] };
  }

  function chartBlock(parent, title, unit) {
    var box = h("div", { class: "chart" }, h("div", { class: "chart-title" }, h("span", { text: title }), unit ? h("span", { class: "unit", text: unit }) : null));
    var target = h("div");
    box.appendChild(target);
    parent.appendChild(box);
    return target;
  }

  function timeline() {
    var sec = section("timeline", "Timeline", "One time axis for every chart. Drag across a chart to zoom all of them; double-click or Reset to zoom out. Shaded: migration (blue) and faults (orange); dashed lines: phase boundaries.");
    if (D.timeline.t.length === 0) {
      sec.appendChild(h("p", { class: "empty", text: "No measurement windows: the run ended before load started." }));
      return;
    }
    var seg = h("div", { class: "seg", role: "group", "aria-label": "Split series" });
    var splitButtons = {};
    [["all", "All ops"], ["rw", "Reads vs writes"], ["slots", "Migrating slots vs other"]].forEach(function (o) {
      var disabled = o[0] === "rw" ? !(hasData("read") || hasData("write")) : o[0] === "slots" ? !(hasData("migrating") || hasData("other")) : false;
      var b = h("button", { type: "button", "data-split": o[0], "aria-pressed": String(state.split === o[0]), disabled: disabled, text: o[1], onclick: function () { state.split = o[0]; Object.keys(splitButtons).forEach(function (k) { splitButtons[k].setAttribute("aria-pressed", String(k === o[0])); }); rebuild(); } });
      splitButtons[o[0]] = b;
      seg.appendChild(b);
    });
    var logBox = h("input", { type: "checkbox", id: "log-scale", onchange: function () { state.log = logBox.checked; rebuild(); if (hdrChart) drawHdr(); } });
    logBox.checked = state.log;
    var reset = h("button", { type: "button", class: "btn", id: "reset-zoom", text: "Reset zoom", onclick: function () { group.reset(); } });
    sec.querySelector(".section-head").appendChild(h("div", { class: "controls" }, seg, h("label", { class: "toggle" }, logBox, "Log scale"), reset));

    var lanesEl = chartBlock(sec, "Phases, migration, faults and job states");
    var tputEl = chartBlock(sec, "Throughput", "completed ops per second");
    var latEl = chartBlock(sec, "Latency per window", "from intended start (open loop), p50 / p99 / p99.9 / max");
    var errEl = chartBlock(sec, "Errors, redirects and late starts", "per second (redirects were followed; errors ended the op)");
    var progEl = D.progress.t.length ? chartBlock(sec, "Migration progress", "observed from the cluster: slots owned by targets, keys on targets") : null;
    var paceEl = D.pacing && D.pacing.t.length ? chartBlock(sec, "Pacing", "adaptive throttling: keys/s limit set by the controller and keys/s achieved (left); live p99 it saw against its budget (right, ms); ▼ decrease") : null;
    if (paceEl) paceEl.parentNode.id = "pacing";
    sec.appendChild(h("div", { class: "band-legend" },
      h("span", null, h("i", { style: "background: rgba(0,114,178,0.25)" }), "migration"),
      h("span", null, h("i", { style: "background: rgba(213,94,0,0.35)" }), "fault"),
      h("span", null, h("i", { style: "background: #e4e7ec" }), "phase"),
      D.jobs.length ? h("span", null, h("i", { style: "background: " + C.green }), "job success") : null,
      D.jobs.length ? h("span", null, h("i", { style: "background: #c62828" }), "job failed") : null,
      D.jobs.length ? h("span", null, h("i", { style: "background: linear-gradient(90deg, #cfe3f3, #60a0d4)" }), "job states (darker = later)") : null));
    if (!progEl) sec.appendChild(h("p", { class: "muted small", text: "No migration progress was observed (the migration did not run)." }));

    var width = SP.widthOf(sec) - 40;
    var lanes = laneChart(width);
    group.add(new uPlot(lanes.opts, lanes.data, lanesEl));

    function rebuild() {
      timelineCharts.forEach(function (c) { group.remove(c); });
      timelineCharts = [];
      var w = SP.widthOf(sec) - 40;
      [[tputEl, throughputChart], [latEl, latencyChart], [errEl, errorsChart], [progEl, progressChart], [paceEl, pacingChart]].forEach(function (p) {
        if (!p[0]) return;
        var c = p[1](w);
        timelineCharts.push(group.add(new uPlot(c.opts, c.data, p[0])));
      });
    }
    rebuild();
    window.addEventListener("resize", SP.debounce(function () { group.resize(SP.widthOf(sec) - 40); }, 150));
  }

  // ---------------------------------------------------------------- latency distribution
  var hdrEl = null;
  function drawHdr() {
    var P = D.percentiles;
    if (hdrChart) { hdrChart.destroy(); hdrChart = null; }
    var series = [{ label: "percentile", value: function (u, v) { return v == null ? "" : fmt.pct(1 - 1 / v); } }], data = [P.x];
    P.series.forEach(function (sr, i) {
      var color = i === 0 ? "#222222" : SP.PALETTE[(i - 1) % SP.PALETTE.length];
      series.push({ label: sr.name + (sr.source === "estimate" ? " (est.)" : ""), stroke: color, width: i === 0 ? 2.25 : 1.5, dash: sr.source === "estimate" ? [6, 3] : undefined, points: { show: false }, value: function (u, v) { return v == null ? "–" : fmt.us(v * 1000); } });
      data.push(sr.valuesUs.map(function (v) { return v == null || v <= 0 ? null : v / 1000; }));
    });
    var maxX = P.x[P.x.length - 1];
    var splits = [];
    for (var d = 1; d <= maxX * 1.0001; d *= 10) splits.push(d);
    hdrChart = new uPlot({
      width: SP.widthOf(hdrEl), height: 300,
      padding: [10, 36, 0, 0],
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(10, maxX)]; } }, y: state.log ? { distr: 3, log: 10 } : { range: function (u, mn, mx) { return [0, mx * 1.05]; } } },
      axes: [
        SP.axis({ splits: function () { return splits; }, values: function (u, sp) { return sp.map(function (v) { return fmt.pct(1 - 1 / v); }); } }),
        SP.axis({ size: SP.Y_AXIS_SIZE, values: msAxisValues }),
      ],
      series: series,
    }, data, hdrEl);
  }

  function distribution() {
    if (!D.percentiles.series.length) return; // no latency data: the timeline section already says so
    var sec = section("latency", "Latency distribution", "Latency by percentile, HdrHistogram style: the x axis stretches the tail (90%, 99%, 99.9%, ...). One line per phase and one for the whole run.");
    var P = D.percentiles;
    if (!P.series.length) { sec.appendChild(h("p", { class: "empty", text: "No latency data." })); return; }
    hdrEl = h("div", { class: "chart" });
    sec.appendChild(hdrEl);
    var exact = P.series.filter(function (x) { return x.source === "hdr"; }).length;
    var note = exact === P.series.length
      ? "Exact: merged from the HdrHistogram recorded for every window (3 significant digits). A line stops where fewer than 1/(1−q) ops support the percentile."
      : "Estimated (dashed): these windows carry no HdrHistogram, so each window's distribution is interpolated between its p50, p90, p99, p99.9 and max, and the windows are mixed by op count. Treat the tail as indicative; below the median it is not drawn.";
    sec.appendChild(h("p", { class: "muted small", text: note }));
    var rows = P.series.map(function (sr) {
      function at(q) {
        // interpolate on the log-x grid between the two neighbouring points
        var lx = Math.log(1 / (1 - q));
        for (var i = 1; i < P.x.length; i++) {
          var a = Math.log(P.x[i - 1]), b = Math.log(P.x[i]);
          if (lx >= a - 1e-9 && lx <= b + 1e-9) {
            var va = sr.valuesUs[i - 1], vb = sr.valuesUs[i];
            if (va == null || vb == null) return Math.abs(lx - a) < 1e-9 ? va : Math.abs(lx - b) < 1e-9 ? vb : null;
            return va + ((lx - a) / (b - a)) * (vb - va);
          }
        }
        return null;
      }
      return h("tr", null, h("td", { class: "wrap", text: sr.name }), h("td", { text: sr.source === "hdr" ? "HdrHistogram" : "estimate" }), h("td", { class: "num", text: fmt.int(sr.count) }),
        [0.5, 0.9, 0.99, 0.999].map(function (q) { return h("td", { class: "num", text: fmt.us(at(q)) }); }));
    });
    sec.appendChild(h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { text: "Phase" }), h("th", { text: "Source" }), h("th", { class: "num", text: "Ops" }), h("th", { class: "num", text: "p50" }), h("th", { class: "num", text: "p90" }), h("th", { class: "num", text: "p99" }), h("th", { class: "num", text: "p99.9" }))),
      h("tbody", null, rows))));
    drawHdr();
    window.addEventListener("resize", SP.debounce(function () { if (hdrChart) hdrChart.setSize({ width: SP.widthOf(hdrEl), height: 300 }); }, 150));
  }

  // ---------------------------------------------------------------- checks
  function linTimeline(v) {
    var ops = v.ops;
    var lanes = [];
    ops.forEach(function (o) { if (lanes.indexOf(o.p) < 0) lanes.push(o.p); });
    lanes.sort(function (a, b) { return a - b; });
    var t0 = Infinity, t1 = -Infinity;
    ops.forEach(function (o) { t0 = Math.min(t0, o.callMs); t1 = Math.max(t1, o.retMs != null ? o.retMs : o.callMs); });
    var span = Math.max(t1 - t0, 1);
    var hasInfo = ops.some(function (o) { return o.retMs == null; });
    var lo = t0 - span * 0.04, hi = t1 + span * (hasInfo ? 0.18 : 0.04);
    var W = 1000, L = 92, R = 16, TOP = 26, LANE = 32, BOTTOM = 36;
    var H = TOP + lanes.length * LANE + BOTTOM;
    var X = function (t) { return L + ((t - lo) / (hi - lo)) * (W - L - R); };
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, class: "lin-svg", role: "img", "aria-label": "operations on key over time, one lane per client" });
    svg.appendChild(s("title", {}, "Operations on " + v.key + ", one lane per client"));
    var laneTop = TOP, laneBottom = TOP + lanes.length * LANE;
    // fault and migration windows that overlap the ops
    var overlays = [];
    if (D.bands.migration) overlays.push({ a: D.bands.migration.startMs, b: D.bands.migration.endMs, label: "migration", fill: "rgba(0,114,178,0.09)", text: "#0b3f73" });
    D.bands.faults.forEach(function (f) { overlays.push({ a: f.startMs, b: f.endMs != null ? f.endMs : D.durationMs, label: "fault: " + f.label, fill: "rgba(213,94,0,0.14)", text: "#7a3300" }); });
    var labelY = 12;
    overlays.forEach(function (ov) {
      if (ov.b < lo || ov.a > hi) return;
      var x0 = X(Math.max(ov.a, lo)), x1 = X(Math.min(ov.b, hi));
      svg.appendChild(s("rect", { x: x0, y: laneTop - 4, width: Math.max(1, x1 - x0), height: laneBottom - laneTop + 8, fill: ov.fill }));
      var maxChars = Math.floor((x1 - x0 - 6) / 6.2);
      if (maxChars >= 4) {
        var t = ov.label.length > maxChars ? ov.label.slice(0, maxChars - 1) + "…" : ov.label;
        svg.appendChild(s("text", { x: x0 + 3, y: labelY, "font-size": 10.5, fill: ov.text }, t));
        labelY = labelY === 12 ? 22 : 12;
      }
    });
    lanes.forEach(function (p, i) {
      var y = TOP + i * LANE;
      if (i % 2 === 0) svg.appendChild(s("rect", { x: L, y: y, width: W - L - R, height: LANE, fill: "rgba(28,34,48,0.025)" }));
      svg.appendChild(s("text", { x: L - 10, y: y + LANE / 2 + 4, "text-anchor": "end", "font-size": 12, fill: "#3a4150" }, "client " + p));
    });
    // time axis
    var step = niceStep((hi - lo) / 8);
    var axisY = laneBottom + 6;
    svg.appendChild(s("line", { x1: L, x2: W - R, y1: axisY, y2: axisY, stroke: "#c9ced6" }));
    for (var tk = t0 + Math.ceil((lo - t0) / step) * step; tk <= hi; tk += step) {
      var x = X(tk);
      svg.appendChild(s("line", { x1: x, x2: x, y1: axisY, y2: axisY + 4, stroke: "#9aa3b0" }));
      svg.appendChild(s("line", { x1: x, x2: x, y1: laneTop, y2: laneBottom, stroke: "rgba(28,34,48,0.06)" }));
      var d = Math.round((tk - t0) / step) * step;
      svg.appendChild(s("text", { x: x, y: axisY + 16, "text-anchor": "middle", "font-size": 10.5, fill: "#5d6675" }, (d > 0 ? "+" : d < 0 ? "−" : "") + fmtDelta(Math.abs(d))));
    }
    svg.appendChild(s("text", { x: W - R, y: H - 4, "text-anchor": "end", "font-size": 10.5, fill: "#8a93a2" }, "ms after " + (t0 / 1000).toFixed(3) + " s since run start"));
    // ops
    ops.forEach(function (o) {
      var li = lanes.indexOf(o.p), y = TOP + li * LANE + 5, hh = LANE - 10;
      // an info op may take effect any time after its call: draw it to the client's next call (or the edge)
      var nextCall = null;
      if (o.retMs == null) ops.forEach(function (q) { if (q.p === o.p && q.callMs > o.callMs && (nextCall == null || q.callMs < nextCall)) nextCall = q.callMs; });
      var x0 = X(o.callMs), x1 = o.retMs != null ? X(o.retMs) : nextCall != null ? X(nextCall) - 3 : W - R;
      var w = Math.max(4, x1 - x0);
      var isRead = o.label.indexOf("r→") === 0;
      var fill = o.failing ? "#fde2e0" : o.status === "info" ? "#f1f2f5" : isRead ? "#dcecf9" : "#fcebd2";
      var stroke = o.failing ? "#c62828" : o.status === "info" ? "#9aa3b0" : isRead ? "#0072B2" : "#c98400";
      var g = s("g", { class: "op" + (o.failing ? " failing" : ""), "data-op": o.id });
      g.appendChild(s("title", {}, "client " + o.p + " · " + o.label + (o.status === "info" ? " · outcome unknown (" + (o.error || "info") + "): may take effect any time after its call" : "") +
        "\ncall " + (o.callMs / 1000).toFixed(6) + " s" + (o.retMs != null ? " · return " + (o.retMs / 1000).toFixed(6) + " s · " + fmtDelta(o.retMs - o.callMs) + " ms" : " · never returned") +
        (o.order ? "\nposition " + o.order + " in the longest linearization found" : "") + (o.failing ? "\ncannot be linearized: no order of the ops explains this result" : "")));
      g.appendChild(s("rect", { x: x0, y: y, width: w, height: hh, rx: 3, fill: fill, stroke: stroke, "stroke-width": o.failing ? 2.2 : 1, "stroke-dasharray": o.status === "info" ? "4 3" : null }));
      var text = (o.order ? "#" + o.order + " " : "") + (o.failing ? "✗ " : "") + o.label;
      var room = Math.floor((w - 8) / 7.2);
      var shown = text.length <= room ? text : room >= 3 ? text.slice(0, room - 1) + "…" : "";
      if (shown) g.appendChild(s("text", { x: x0 + 4, y: y + hh / 2 + 4, "font-size": 12, fill: o.failing ? "#9b1c1c" : "#1c2230", "font-weight": o.failing ? 700 : 400 }, shown));
      else g.appendChild(s("text", { x: x1 + 3, y: y + hh / 2 + 4, "font-size": 11, fill: o.failing ? "#9b1c1c" : "#3a4150" }, text.length > 24 ? text.slice(0, 23) + "…" : text));
      svg.appendChild(g);
    });
    return svg;
  }
  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function fmtDelta(dms) { return String(+dms.toPrecision(4)); }

  function table(headers, rows) {
    return h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, headers.map(function (x) { return h("th", { class: /^(#|Ops|Duration|Peak|Baseline|Ratio|Count|at|Start|End|Slot)$|^(Peak|Baseline|Call|Return)/.test(x) ? "num" : null, text: x }); }))),
      h("tbody", null, rows)));
  }

  function linSection(box, lin) {
    if (lin.counts) {
      var c = lin.counts;
      box.appendChild(h("div", { class: "counts" },
        c.checked != null ? h("div", { class: "count" }, h("b", { text: fmt.int(c.checked) }), h("span", { text: "keys checked" })) : null,
        c.failed != null ? h("div", { class: "count" + (c.failed > 0 ? " hot" : "") }, h("b", { text: fmt.int(c.failed) }), h("span", { text: "not linearizable" })) : null,
        c.unknown != null ? h("div", { class: "count" }, h("b", { text: fmt.int(c.unknown) }), h("span", { text: "unknown (budget)" })) : null));
    }
    lin.violations.forEach(function (v) {
      var vbox = h("div", { class: "violation" });
      vbox.appendChild(h("div", { class: "vhead" },
        h("span", { class: "muted small", text: "key" }), h("span", { class: "vkey", text: v.key }),
        v.model ? h("span", { class: "muted small", text: "model " + v.model }) : null,
        v.kind ? h("span", { class: "muted small", text: v.kind }) : null,
        v.keyOps != null ? h("span", { class: "muted small", text: "shown " + v.ops.length + " of " + fmt.int(v.keyOps) + " ops on this key" }) : null));
      if (v.message) vbox.appendChild(h("p", { class: "wrap", text: v.message }));
      if (v.stateAfter != null) vbox.appendChild(h("p", { class: "muted small wrap", text: "Value after the longest linearization found: " + v.stateAfter }));
      vbox.appendChild(linTimeline(v));
      vbox.appendChild(h("p", { class: "muted small", text: "One lane per client; a bar runs from call to return. #n = position in the longest order that explains the results; ✗ = the op no order can place. Dashed bars never returned (info): they may take effect any time after their call. Shaded: faults and migration." + (v.truncated ? " Ops were cut to keep the report small." : "") + (v.opsOmitted ? " " + v.opsOmitted + " more ops are in result.json." : "") }));
      vbox.appendChild(h("details", null, h("summary", { text: "Operations (" + v.ops.length + ")" }), table(["#", "Client", "Op", "Input", "Output", "Call (s)", "Return (s)", "Status"], v.ops.map(function (o) {
        return h("tr", { class: o.failing ? "hot" : null }, h("td", { class: "num", text: o.order != null ? o.order : "" }), h("td", { text: o.p }), h("td", { class: "mono", text: o.label }), h("td", { class: "mono", text: o.input }), h("td", { class: "mono", text: o.output }),
          h("td", { class: "num", text: (o.callMs / 1000).toFixed(6) }), h("td", { class: "num", text: o.retMs != null ? (o.retMs / 1000).toFixed(6) : "—" }), h("td", { text: o.status + (o.failing ? " (cannot be linearized)" : "") + (o.error ? " " + o.error : "") }));
      }))));
      box.appendChild(vbox);
    });
    if (lin.violationsOmitted) box.appendChild(h("p", { class: "muted small", text: lin.violationsOmitted + " more violations are listed in result.json." }));
  }

  function completenessSection(box, c) {
    if (c.counts) {
      box.appendChild(h("div", { class: "counts" }, Object.keys(c.counts).map(function (k) {
        var hot = /lost|stale|unexpected|missing|wrong|corrupt|duplicate|orphan|divergent/i.test(k) && c.counts[k] > 0;
        return h("div", { class: "count" + (hot ? " hot" : "") }, h("b", { text: fmt.int(c.counts[k]) }), h("span", { text: k }));
      })));
    }
    if (c.examples.length) {
      box.appendChild(h("h3", { text: "Example keys" }));
      var hasNote = c.examples.some(function (e) { return e.note; }), hasSlot = c.examples.some(function (e) { return e.slot != null; });
      box.appendChild(table(["Kind", "Key", "Expected", "Actual", "Node"].concat(hasSlot ? ["Slot"] : [], hasNote ? ["Note"] : []), c.examples.map(function (e) {
        return h("tr", null, h("td", { text: e.kind }), h("td", { class: "key", text: e.key }), h("td", { class: "mono", text: e.expected != null ? e.expected : "" }), h("td", { class: "mono", text: e.actual != null ? e.actual : "" }), h("td", { text: e.node || "" }),
          hasSlot ? h("td", { class: "num", text: e.slot != null ? e.slot : "" }) : null, hasNote ? h("td", { class: "wrap small", text: e.note || "" }) : null);
      })));
      if (c.examplesOmitted) box.appendChild(h("p", { class: "muted small", text: c.examplesOmitted + " more examples in result.json." }));
    }
  }

  function findingsSection(box, findings) {
    if (!findings.length) { box.appendChild(h("p", { class: "empty", text: "no findings" })); return; }
    box.appendChild(table(["Severity", "Finding", "Node", "Slot"], findings.map(function (f) {
      return h("tr", null, h("td", { class: "sev-" + f.severity, text: f.severity }), h("td", { class: "wrap", text: f.message }), h("td", { text: f.node || "" }), h("td", { text: f.slot || "" }));
    })));
  }

  function spikesTable(spikes) {
    return table(["Start", "End", "Duration", "Peak p99", "Baseline p99", "Ratio", "During"], spikes.map(function (sp) {
      return h("tr", null, h("td", { class: "num", text: fmt.clock(sp.startMs / 1000, 0.5) }), h("td", { class: "num", text: fmt.clock(sp.endMs / 1000, 0.5) }), h("td", { class: "num", text: fmt.ms(sp.endMs - sp.startMs) }),
        h("td", { class: "num", text: fmt.us(sp.peakP99Us) }), h("td", { class: "num", text: fmt.us(sp.baselineP99Us) }), h("td", { class: "num", text: fmt.ratio(sp.ratio) }),
        h("td", { class: "wrap", text: (sp.note ? sp.note + (sp.during.length ? " · " : "") : "") + sp.during.join(", ") }));
    }));
  }

  function checksSection() {
    var sec = section("checks", "Checks", "What the checkers found. Each check is true (proved), false (refuted, with evidence) or unknown (could not decide).");
    if (!D.checks.length) sec.appendChild(h("p", { class: "empty", text: "No checks ran." }));
    D.checks.forEach(function (c, i) {
      var box = h("div", { class: "check", id: "check-" + i });
      box.appendChild(h("div", { class: "check-head" }, h("span", { class: "badge b-" + SP.verdictClass(c.valid), text: SP.verdictWord(c.valid) }), h("h3", { text: c.name })));
      box.appendChild(h("p", { class: "wrap", text: c.summary }));
      guarded("check " + c.name, box, function () {
        if (c.lin) linSection(box, c.lin);
        if (c.completeness) completenessSection(box, c.completeness);
        if (c.findings) findingsSection(box, c.findings);
        if (c.spikes) { box.appendChild(h("h3", { text: "Latency spikes" })); box.appendChild(c.spikes.length ? spikesTable(c.spikes) : h("p", { class: "empty", text: "no spikes" })); }
        if (c.otherJson) box.appendChild(h("details", null, h("summary", { text: "Other figures" }), h("pre", { class: "json", text: c.otherJson })));
      });
      sec.appendChild(box);
    });
    var checkerSpikes = D.checks.some(function (c) { return c.spikes; });
    if (!checkerSpikes && D.spikes.length) {
      var box = h("div", { class: "check" });
      box.appendChild(h("div", { class: "check-head" }, h("h3", { text: "Latency spikes (derived by the report)" })));
      box.appendChild(h("p", { class: "muted small", text: "No latency checker reported spikes; these are windows whose p99 exceeded 3× the baseline p99, merged." }));
      box.appendChild(spikesTable(D.spikes));
      sec.appendChild(box);
    }
  }

  // ---------------------------------------------------------------- migration, faults, environment
  function migrationSection() {
    var m = D.migration;
    var sec = section("migration", "Migration", null);
    if (m.outcome === "not-run" && !D.jobs.length && !Object.keys(D.events.counts).length) {
      sec.appendChild(h("p", { class: "empty", text: "The migration (" + m.strategy + ") did not run." + (m.error ? " " + m.error : "") }));
      return;
    }
    var counts = [["strategy", m.strategy], ["outcome", m.outcome], ["slots moved", fmt.int(m.slotsMoved) + " of " + fmt.int(m.slotsPlanned)], ["keys moved", fmt.int(m.keysMoved)],
      ["duration", m.durationMs != null ? fmt.ms(m.durationMs) : "n/a"], ["started at", m.startedAtMs != null ? fmt.clock(m.startedAtMs / 1000, 0.5) : "n/a"]];
    if (m.bytesMoved != null) counts.push(["bytes moved" + (m.bytesSource ? " (" + m.bytesSource + ")" : ""), fmt.int(m.bytesMoved)]);
    if (typeof m.mbPerSec === "number") counts.push(["MB/s", String(Math.round(m.mbPerSec * 10) / 10)]);
    sec.appendChild(h("div", { class: "counts" }, counts.map(function (c) { return h("div", { class: "count" + (c[0] === "outcome" && c[1] !== "success" && c[1] !== "not-run" ? " hot" : "") }, h("b", { class: "wrap", text: c[1] }), h("span", { text: c[0] })); })));
    if (m.error) sec.appendChild(h("p", { class: "sev-error wrap", text: m.error }));
    if (D.jobs.length) {
      var byJob = {}, order = [];
      D.jobs.forEach(function (j) { var k = j.jobId + (j.side ? " " + j.side : ""); if (!byJob[k]) { byJob[k] = []; order.push(k); } byJob[k].push(j); });
      sec.appendChild(h("h3", { text: "Jobs" }));
      sec.appendChild(table(["Job", "States (time since run start)", "Final"], order.map(function (id) {
        var st = byJob[id], last = st[st.length - 1];
        return h("tr", null, h("td", { class: "mono", text: id }), h("td", { class: "wrap", text: st.map(function (j) { return j.state + " " + fmt.clock(j.atMs / 1000, 0.5); }).join(" → ") }),
          h("td", null, h("span", { class: "badge b-" + (/success|done/i.test(last.state) ? "pass" : /fail|cancel|error/i.test(last.state) ? "fail" : "unknown"), text: last.state })));
      })));
    }
    var kinds = Object.keys(D.events.counts);
    if (kinds.length) {
      sec.appendChild(h("p", { class: "muted small", text: "Events: " + kinds.map(function (k) { return k + " " + fmt.int(D.events.counts[k]); }).join(" · ") }));
      sec.appendChild(h("details", null, h("summary", { text: "Event log (" + D.events.list.length + (D.events.omitted ? " of " + (D.events.list.length + D.events.omitted) : "") + ")" }),
        table(["at", "Kind", "Detail"], D.events.list.map(function (e) { return h("tr", null, h("td", { class: "num", text: fmt.clock(e.atMs / 1000, 0.05) }), h("td", { text: e.kind }), h("td", { class: "mono", text: e.text })); }))));
      var ctlListed = D.events.list.filter(function (e) { return e.kind === "controller"; }).length, ctlAll = D.events.counts.controller || 0;
      if (ctlAll > ctlListed) sec.appendChild(h("p", { class: "muted small", text: "The log lists the first " + fmt.int(ctlListed) + " of " + fmt.int(ctlAll) + " controller decisions; the Pacing chart in the timeline shows them all, and result.json has each one." }));
    }
  }

  function faultsSection() {
    var sec = section("faults", "Faults", "Injected by the nemesis timeline; shaded orange on every chart.");
    if (!D.bands.faults.length) { sec.appendChild(h("p", { class: "empty", text: "No faults were injected." })); return; }
    sec.appendChild(table(["Kind", "Target", "Start", "End", "Duration", "Detail"], D.bands.faults.map(function (f) {
      return h("tr", null, h("td", { class: "wrap", text: f.kind }), h("td", { class: "wrap", text: f.target || "" }), h("td", { class: "num", text: fmt.clock(f.startMs / 1000, 0.5) }),
        h("td", { class: "num", text: f.endMs != null ? fmt.clock(f.endMs / 1000, 0.5) : "not healed" }), h("td", { class: "num", text: f.endMs != null ? fmt.ms(f.endMs - f.startMs) : "" }), h("td", { class: "mono", text: f.detailText || "" }));
    })));
  }

  function environmentSection() {
    var e = D.environment, n = D.noise;
    var sec = section("environment", "Environment", null);
    var rows = [
      ["Server", e.server + " " + e.serverVersion],
      ["Cluster", e.primaries + " primaries, " + e.replicasPerPrimary + " replica" + (e.replicasPerPrimary === 1 ? "" : "s") + " each, " + e.provider + " provider"],
      ["Strategy", D.strategy.name],
      ["Plan", D.strategy.plan || "n/a"],
      ["Strategy parameters", D.strategy.params || "defaults"],
      ["Scenario", (D.scenario.file || "(inline)") + " · seed " + D.scenario.seed],
      ["Harness", "slotproof " + e.harnessVersion + " on Node " + e.node],
      ["Machine", e.cpus + " CPUs, " + (Math.round(e.memoryGiB * 10) / 10) + " GiB memory, " + e.platform],
      ["Noise floor", n ? "harness event-loop lag p50 " + fmt.us(n.p50) + ", p99 " + fmt.us(n.p99) + ", max " + fmt.us(n.max) + " — latencies below this are within measurement noise" : "not recorded"],
      ["Window", fmt.ms(D.timeline.windowMs) + " windows, " + fmt.int(D.timeline.t.length) + " of them"],
      ["Started", D.startedAt],
      ["Finished", D.finishedAt],
    ];
    sec.appendChild(h("dl", { class: "env" }, rows.map(function (r) { return [h("dt", { text: r[0] }), h("dd", { class: r[0] === "Strategy parameters" || r[0] === "Plan" ? "mono" : null, text: r[1] })]; })));
  }

  function footer() {
    var files = Object.keys(D.files).map(function (k) { return D.files[k]; }).join(", ");
    app.appendChild(h("footer", null, h("div", { text: "Generated by slotproof " + D.environment.harnessVersion + " at " + D.generatedAt + ". The run record is result.json in this directory" + (files ? " (with " + files + ")" : "") + "; `slotproof report DIR` renders this page again." })));
  }

  header();
  banner();
  guarded("key figures", null, figures);
  guarded("timeline", null, timeline);
  guarded("latency distribution", null, distribution);
  guarded("checks", null, checksSection);
  guarded("migration", null, migrationSection);
  guarded("faults", null, faultsSection);
  guarded("environment", null, environmentSection);
  footer();

  // print at paper width, then restore
  window.addEventListener("beforeprint", function () {
    group.resize(680);
    if (hdrChart) hdrChart.setSize({ width: 680, height: 260 });
  });
  window.addEventListener("afterprint", function () {
    var sec = document.getElementById("timeline");
    if (sec) group.resize(SP.widthOf(sec) - 40);
    if (hdrChart && hdrEl) hdrChart.setSize({ width: SP.widthOf(hdrEl), height: 300 });
  });
  // for people poking at the page in devtools, and for the browser test
  window.slotproofReport = { charts: group.charts, hdr: function () { return hdrChart; }, reset: function () { group.reset(); } };
  document.documentElement.setAttribute("data-rendered", "true");
})();
