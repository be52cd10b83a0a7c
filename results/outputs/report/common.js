// Helpers shared by report.html and the comparison page. Plain browser JS, no build step.
// Rule: user data reaches the DOM only as text (textContent / text nodes / canvas fillText),
// never through innerHTML, and never into href/src/style attributes.
(function () {
  "use strict";

  /** h("div", { class: "x", title: "..." }, child, "text", [more]) */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null || attrs[k] === false) continue;
        if (k === "text") el.textContent = String(attrs[k]);
        else if (k === "onclick" || k === "onchange") el.addEventListener(k.slice(2), attrs[k]);
        else el.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, kid) {
    if (kid == null || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(el, k); }); return; }
    el.appendChild(typeof kid === "object" && kid.nodeType ? kid : document.createTextNode(String(kid)));
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    var el = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) if (attrs[k] != null) el.setAttribute(k, String(attrs[k]));
    if (text != null) el.textContent = String(text);
    return el;
  }

  // ---- number formatting ----
  function int(n) { return n == null || !isFinite(n) ? "n/a" : Math.round(n).toLocaleString("en-US"); }
  function us(v) {
    if (v == null || !isFinite(v)) return "n/a";
    if (v >= 1e6) return (v / 1e6).toFixed(v >= 1e7 ? 1 : 2) + " s";
    if (v >= 1000) return (v / 1000).toFixed(v >= 1e5 ? 0 : v >= 1e4 ? 1 : 2) + " ms";
    return Math.round(v) + " µs";
  }
  function ms(v) {
    if (v == null || !isFinite(v)) return "n/a";
    if (v >= 3600e3) return Math.floor(v / 3600e3) + " h " + Math.round((v % 3600e3) / 60e3) + " min";
    if (v >= 60e3) return Math.floor(v / 60e3) + " min " + Math.round((v % 60e3) / 1000) + " s";
    if (v >= 1000) return (v / 1000).toFixed(v >= 10e3 ? 0 : 1) + " s";
    return Math.round(v) + " ms";
  }
  /**
   * seconds on a time axis: "12.5s" below a minute, "3:20" / "1:02:00" above. `step` (the tick
   * spacing) picks the decimals; `minutes` forces m:ss so one axis never mixes the two styles.
   */
  function clock(sec, step, minutes) {
    if (sec == null || !isFinite(sec)) return "";
    var sign = sec < 0 ? "−" : "";
    sec = Math.abs(sec);
    var dec = step != null ? (step < 0.1 ? 2 : step < 1 ? 1 : 0) : (Math.abs(sec - Math.round(sec)) > 1e-9 ? 1 : 0);
    var k = Math.pow(10, dec);
    sec = Math.round(sec * k) / k;
    var useMin = minutes != null ? minutes : sec >= 60;
    if (!useMin) return sign + sec.toFixed(dec) + "s";
    var hh = Math.floor(sec / 3600), mm = Math.floor((sec - hh * 3600) / 60), ss = sec - hh * 3600 - mm * 60;
    var ssText = ss.toFixed(dec).padStart(dec ? 3 + dec : 2, "0");
    return sign + (hh ? hh + ":" + String(mm).padStart(2, "0") : String(mm)) + ":" + ssText;
  }
  function ratio(r) { return r == null || !isFinite(r) ? "n/a" : (r >= 100 ? r.toFixed(0) : r.toFixed(1)) + "×"; }
  function rate(v) { return v == null || !isFinite(v) ? "n/a" : v >= 1000 ? (v / 1000).toFixed(v >= 1e5 ? 0 : 1) + "k" : String(Math.round(v * 10) / 10); }
  function pct(q) {
    // 0.999 -> "99.9%"
    var p = q * 100;
    var s2 = p.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
    return s2 + "%";
  }

  // Okabe–Ito: distinguishable for colour-blind readers, prints well.
  var C = {
    blue: "#0072B2", orange: "#E69F00", green: "#009E73", red: "#D55E00", purple: "#CC79A7",
    sky: "#56B4E9", yellow: "#C9B200", black: "#222222", grey: "#8a93a2",
  };
  var PALETTE = [C.blue, C.red, C.green, C.orange, C.purple, C.sky, C.black, C.yellow, C.grey];

  function verdictClass(v) {
    return v === true || v === "pass" ? "pass" : v === false || v === "fail" ? "fail" : v === "error" ? "error" : "unknown";
  }
  function verdictWord(v) {
    return v === true ? "pass" : v === false ? "fail" : String(v);
  }

  /**
   * A group of uPlot charts on one x axis: cursor sync, drag-zoom propagated to every chart,
   * double-click or reset() back to the full range.
   */
  function ChartGroup(key, fullMin, fullMax) {
    this.key = key;
    this.charts = [];
    this.full = { min: fullMin, max: fullMax };
    this.view = { min: fullMin, max: fullMax };
    this.syncing = false;
  }
  ChartGroup.prototype.options = function (opts) {
    var g = this;
    opts.cursor = Object.assign({
      sync: { key: g.key, setSeries: false },
      drag: { x: true, y: false, setScale: true },
      bind: {
        dblclick: function () { return function () { g.reset(); return null; }; },
      },
    }, opts.cursor || {});
    opts.hooks = opts.hooks || {};
    opts.hooks.setScale = (opts.hooks.setScale || []).concat([function (u, scaleKey) {
      if (scaleKey !== "x" || g.syncing) return;
      var mn = u.scales.x.min, mx = u.scales.x.max;
      if (mn == null || mx == null) return;
      g.view = { min: mn, max: mx };
      g.syncing = true;
      try {
        g.charts.forEach(function (c) { if (c !== u && (c.scales.x.min !== mn || c.scales.x.max !== mx)) c.setScale("x", { min: mn, max: mx }); });
      } finally { g.syncing = false; }
    }]);
    return opts;
  };
  ChartGroup.prototype.add = function (u) {
    this.charts.push(u);
    this.syncing = true;
    try { u.setScale("x", { min: this.view.min, max: this.view.max }); } finally { this.syncing = false; }
    return u;
  };
  ChartGroup.prototype.remove = function (u) {
    this.charts = this.charts.filter(function (c) { return c !== u; });
    u.destroy();
  };
  ChartGroup.prototype.reset = function () {
    this.view = { min: this.full.min, max: this.full.max };
    var v = this.view;
    this.syncing = true;
    try { this.charts.forEach(function (c) { c.setScale("x", { min: v.min, max: v.max }); }); } finally { this.syncing = false; }
  };
  ChartGroup.prototype.resize = function (width) {
    this.charts.forEach(function (c) { c.setSize({ width: width, height: c.height }); });
  };

  /** shared axis styling */
  var AXIS = { stroke: "#5d6675", grid: { stroke: "#eceef2", width: 1 }, ticks: { stroke: "#d7dbe1", width: 1, size: 4 }, font: "11px system-ui, sans-serif", labelFont: "600 11px system-ui, sans-serif" };
  function axis(extra) { return Object.assign({}, AXIS, extra || {}); }
  /** tick spacings for a seconds axis: decimal below a second, clock-like above */
  var TIME_INCRS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  /** every y axis has this width so plot areas line up across stacked charts */
  var Y_AXIS_SIZE = 64;

  /** fit text into maxWidth px on a canvas, with an ellipsis */
  function fitText(ctx, text, maxWidth) {
    text = String(text);
    if (maxWidth <= 6) return "";
    if (ctx.measureText(text).width <= maxWidth) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + "…").width <= maxWidth) lo = mid; else hi = mid - 1;
    }
    return lo > 0 ? text.slice(0, lo) + "…" : "";
  }

  /** width for charts inside an element */
  function widthOf(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width)); }

  function debounce(fn, msec) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, msec); };
  }

  /** read the JSON data block: escaped on the way in, so a plain JSON.parse is enough */
  function readData(id) {
    var el = document.getElementById(id);
    return JSON.parse(el.textContent);
  }

  window.SP = {
    h: h, s: s, append: append, fmt: { int: int, us: us, ms: ms, clock: clock, ratio: ratio, rate: rate, pct: pct },
    C: C, PALETTE: PALETTE, verdictClass: verdictClass, verdictWord: verdictWord, ChartGroup: ChartGroup,
    axis: axis, TIME_INCRS: TIME_INCRS, Y_AXIS_SIZE: Y_AXIS_SIZE, fitText: fitText, widthOf: widthOf, debounce: debounce, readData: readData,
  };
})();
