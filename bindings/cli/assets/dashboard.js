// The hyperspace dashboard: plain JS, no build step. Each page reads the
// JSON API (or, in a report file, the same documents inlined as
// window.HS_REPORT) and draws with uPlot. Live pages poll the study's
// change counter and redraw only when it moved.
"use strict";
(function () {
  const REPORT = window.HS_REPORT || null;
  const POLL_MS = 1000;
  const charts = (window.hsCharts = {});
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;

  // What changed from the parent (the engine's lineage rule): "x 0.1 → 0.5".
  function changesFromParent(lineage) {
    const changes = lineage && lineage.trial.changes;
    if (!changes) return null;
    const shown = (v) => (v === null || v === undefined ? "–" : String(v));
    const items = changes.params.map((c) => c.name + " " + shown(c.before) + " → " + shown(c.after));
    if (changes.budget) items.push("budget " + shown(changes.budget[0]) + " → " + shown(changes.budget[1]));
    return el("p", { id: "changes" }, "changed from the parent: ", items.length ? items.join(", ") : "nothing");
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined) e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function fmt(x) {
    if (x === null || x === undefined) return "–";
    if (typeof x !== "number") return String(x);
    if (Number.isInteger(x)) return String(x);
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-4 || a >= 1e6)) return x.toExponential(4);
    return String(Number(x.toPrecision(6)));
  }

  async function api(path) {
    if (REPORT) {
      // A report holds one document per view, whatever the query.
      const doc = REPORT.api[path.split("?")[0]];
      if (doc === undefined) throw new Error("not in this report: " + path);
      return doc;
    }
    const r = await fetch("/api" + path);
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  function studyLink(name) { return REPORT ? "#" : "/study/" + enc(name); }
  function trialLink(name, n) { return REPORT ? "#trial-" + n : "/study/" + enc(name) + "/trial/" + n; }

  function showError(where, e) {
    where.replaceChildren(el("p", { class: "error" }, String(e.message || e)));
  }

  // ---- the study list -------------------------------------------------
  async function studiesPage() {
    document.title = "hyperspace: studies";
    const main = $("main");
    const draw = async () => {
      const doc = await api("/studies");
      const states = ["running", "waiting", "complete", "pruned", "failed"];
      const rows = doc.studies.map((s) =>
        s.error
          ? el("tr", {}, el("td", {}, s.name), el("td", { colspan: 9, class: "error" }, s.error))
          : el("tr", { "data-study": s.name },
              el("td", {}, el("a", { href: studyLink(s.name) }, s.name)),
              el("td", {}, s.direction), el("td", {}, s.searcher),
              el("td", { class: "num" }, s.trials),
              states.map((k) => el("td", { class: "num" }, s.counts[k])),
              el("td", { class: "num" }, s.best ? fmt(s.best.value) + " (#" + s.best.number + ")" : "–")));
      main.replaceChildren(
        el("h1", {}, "Studies"),
        doc.studies.length === 0 ? el("p", {}, "No studies in this storage yet.") :
        el("table", { id: "studies" },
          el("tr", {}, ["study", "direction", "searcher", "trials", ...states, "best"].map((h) => el("th", {}, h))),
          rows));
    };
    await draw();
    if (!REPORT) setInterval(() => draw().catch(() => {}), 5 * POLL_MS);
  }

  // ---- charts ---------------------------------------------------------
  function width() { return Math.max(400, Math.min(1200, window.innerWidth - 60)); }

  function pointsOnly(label, stroke, size) {
    return { label, stroke, fill: stroke, paths: () => null, points: { show: true, size, stroke, fill: stroke } };
  }

  function historyChart(box, doc, log) {
    if (charts.history) charts.history.destroy();
    const data = [doc.number, doc.complete, doc.pruned, doc.best];
    const opts = {
      width: width(), height: 300,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [{ label: "trial" }, { label: "value" }],
      series: [
        { label: "trial" },
        pointsOnly("complete", "#2563eb", 5),
        pointsOnly("pruned", "#9ca3af", 4),
        { label: "best so far", stroke: "#dc2626", width: 2, spanGaps: true, points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }) },
      ],
    };
    charts.history = new uPlot(opts, data, box);
    box.dataset.points = doc.number.length;
  }

  // One chart of learning curves (the objective's, or another metric's);
  // `key` names it among the charts kept between redraws.
  function curvesChart(box, doc, key, yLabel) {
    if (charts[key]) charts[key].destroy();
    box.replaceChildren();
    if (doc.series.length === 0) {
      box.append(el("p", { class: "note" }, "No trial in the selection has intermediate values."));
      box.dataset.series = 0;
      charts[key] = null;
      return;
    }
    const data = [doc.steps, ...doc.series.map((s) => s.values)];
    const series = [{ label: "step" }, ...doc.series.map((s) => ({
      label: "#" + s.number,
      stroke: s.state === "running" ? "#ea580c" : s.state === "pruned" ? "#9ca3af" : "#2563eb",
      width: s.state === "running" ? 2.5 : 1,
      spanGaps: true,
    }))];
    charts[key] = new uPlot({
      width: width(), height: 300, legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: yLabel }],
      series,
    }, data, box);
    box.dataset.series = doc.series.length;
    box.dataset.points = doc.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
  }

  // The other metrics' charts, one per metric reported by step, each with
  // its heading, in `holder`.
  function metricCharts(holder, docs) {
    Object.keys(charts).filter((k) => k.startsWith("metric:")).forEach((k) => {
      if (charts[k]) charts[k].destroy();
      delete charts[k];
    });
    holder.replaceChildren();
    docs.forEach((doc, i) => {
      const box = el("div", { class: "chart metric-curves", id: "curves-metric-" + i });
      box.dataset.metric = doc.name;
      holder.append(el("h3", {}, doc.name), box);
      curvesChart(box, doc, "metric:" + doc.name, doc.name);
    });
    holder.dataset.charts = docs.length;
  }

  // ---- the study page -------------------------------------------------
  async function studyPage(name) {
    document.title = "hyperspace: " + name;
    $("crumbs").replaceChildren("/ ", el("a", { href: studyLink(name) }, name));
    const main = $("main");
    const state = { log: false, where: "", sort: "number", change: -1 };
    const q = (o) => Object.entries(o).filter(([, v]) => v !== "" && v !== null).map(([k, v]) => k + "=" + enc(v)).join("&");
    const base = "/study/" + enc(name);
    const points = () => Math.round(width() * 2);

    const summaryBox = el("div", { id: "summary" });
    const logBox = el("input", { type: "checkbox", id: "log-scale", onchange: () => { state.log = logBox.checked; drawHistory(); } });
    const historyBox = el("div", { class: "chart", id: "history" });
    const historyNote = el("p", { class: "note", id: "history-note" });
    const whereBox = el("input", { type: "text", id: "where", placeholder: "filter, as in hyperspace trials --where: lr < 0.01 and state = complete" });
    const whereError = el("span", { class: "error", id: "where-error" });
    const curvesBox = el("div", { class: "chart", id: "curves" });
    const curvesNote = el("p", { class: "note", id: "curves-note" });
    const metricsBox = el("div", { id: "metric-curves" });
    const tableBox = el("div", { id: "table" });
    const form = el("form", { class: "controls", onsubmit: (e) => { e.preventDefault(); state.where = whereBox.value; drawSelection(); } },
      whereBox, " ", el("button", { type: "submit", id: "apply" }, "apply"), " ", whereError);
    if (REPORT) { whereBox.disabled = true; whereBox.placeholder = "filters need the live dashboard"; }
    main.replaceChildren(el("h1", {}, name), summaryBox,
      el("h2", {}, "History"), el("div", { class: "controls" }, el("label", {}, logBox, " log scale")), historyBox, historyNote,
      el("h2", {}, "Learning curves"), form, curvesBox, curvesNote, metricsBox,
      el("h2", {}, "Trials"), tableBox);
    // The analysis views (views.js), redrawn with the curves and table.
    const analysis = window.hsStudyViews ? window.hsStudyViews({ api, base, el, fmt, width, report: !!REPORT }) : null;
    if (analysis) main.append(analysis.section);

    let historyDoc = null;
    function drawHistory() {
      if (!historyDoc) return;
      const positive = historyDoc.complete.concat(historyDoc.pruned).every((v) => v === null || v > 0);
      logBox.disabled = !positive;
      historyChart(historyBox, historyDoc, state.log && positive);
      historyNote.textContent = historyDoc.shown + " of " + historyDoc.finished + " finished trials drawn" +
        (historyDoc.shown < historyDoc.finished ? " (thinned: extremes and every improvement kept)" : "") +
        (positive ? "" : "; log scale needs positive values");
    }

    async function drawSummary() {
      const s = await api(base);
      summaryBox.replaceChildren(el("p", {},
        s.direction + " " + (s.objective || "value") + " · searcher " + s.searcher +
        (s.pruner ? " · pruner " + s.pruner : "") + " · " + s.trials + " trials (" +
        Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => n + " " + k).join(", ") + ")" +
        (s.best ? " · best " + fmt(s.best.value) + " " : ""),
        s.best ? el("a", { href: trialLink(name, s.best.number) }, "#" + s.best.number) : null));
      return s;
    }

    async function drawSelection() {
      let curves, table;
      try {
        [curves, table] = await Promise.all([
          api(base + "/curves?" + q({ where: state.where, points: Math.round(width() / 2), series: 50 })),
          api(base + "/trials?" + q({ where: state.where, sort: state.sort, limit: 500 })),
        ]);
      } catch (e) {
        whereError.textContent = String(e.message || e);
        return;
      }
      whereError.textContent = "";
      curvesChart(curvesBox, curves, "curves", "intermediate value");
      metricCharts(metricsBox, curves.metrics || []);
      curvesNote.textContent = curves.series.length + " of " + curves.with_steps +
        " selected trials with intermediate values drawn (running ones first, in orange)";
      drawTable(table);
      if (analysis) analysis.draw(state.where);
    }

    function drawTable(doc) {
      const key = state.sort.replace(/^-/, "");
      const desc = state.sort.startsWith("-");
      const stateCol = doc.columns.indexOf("state");
      const numberCol = doc.columns.indexOf("number");
      const head = el("tr", {}, doc.columns.map((c) => el("th", {
        class: "sortable" + (c === key ? (desc ? " sorted-desc" : " sorted-asc") : ""),
        onclick: () => { state.sort = c === key && !desc ? "-" + c : c; drawSelection(); },
      }, c)));
      const rows = doc.rows.map((r) => el("tr", { class: r[stateCol] === "running" ? "running" : "" },
        r.map((v, i) => el("td", { class: typeof v === "number" ? "num" : i === stateCol ? "state-" + v : "" },
          i === numberCol ? el("a", { href: trialLink(name, v) }, v) : fmt(v)))));
      tableBox.replaceChildren(
        el("p", { class: "note" }, doc.matched + " of " + doc.total + " trials match" +
          (doc.rows.length < doc.matched ? "; first " + doc.rows.length + " shown" : "")),
        el("table", { id: "trials" }, head, rows));
    }

    async function redraw() {
      const [s, h] = await Promise.all([drawSummary(), api(base + "/history?" + q({ points: points() }))]);
      historyDoc = h;
      drawHistory();
      await drawSelection();
      state.change = s.change;
      main.dataset.change = s.change;
    }

    try { await redraw(); } catch (e) { showError(main, e); return; }
    // Since navigation started: what the scale test reads.
    window.hsFirstRender = performance.now();
    if (REPORT) return;
    let busy = false;
    setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const c = await api(base + "/changes?since=" + state.change);
        $("live").textContent = "live · change " + c.change;
        if (c.changed) await redraw();
      } catch (e) {
        $("live").textContent = "offline: " + (e.message || e);
      } finally { busy = false; }
    }, POLL_MS);
  }

  // ---- the trial page -------------------------------------------------
  async function trialPage(name, number) {
    document.title = "hyperspace: " + name + " #" + number;
    $("crumbs").replaceChildren("/ ", el("a", { href: studyLink(name) }, name), " / #" + number);
    const main = $("main");
    const doc = await api("/study/" + enc(name) + "/trial/" + number);
    const t = doc.trial;
    const kv = (obj) => el("dl", { class: "kv" }, Object.entries(obj).flatMap(([k, v]) =>
      [el("dt", {}, k), el("dd", {}, typeof v === "object" && v !== null ? JSON.stringify(v) : fmt(v))]));
    const meta = Object.assign({}, t.meta, t.meta.extra || {});
    delete meta.extra;
    const steps = Object.entries(t.intermediate || {});
    const curveBox = el("div", { class: "chart", id: "trial-curve" });
    const parts = [
      el("h1", {}, name + " · trial #" + t.number),
      kv({ id: t.id, state: t.state, value: t.value, budget: t.budget, duration: doc.duration, message: t.message }),
      el("h2", {}, "Parameters"), kv(t.params),
      Object.keys(t.metrics).length ? [el("h2", {}, "Metrics"), kv(t.metrics)] : null,
      el("h2", {}, "Lineage"),
      el("p", {}, "parent: ", doc.parent_number === null ? "–" : el("a", { href: trialLink(name, doc.parent_number) }, "#" + doc.parent_number),
        " · children: ", doc.children.length ? doc.children.flatMap((c) => [el("a", { href: trialLink(name, c) }, "#" + c), " "]) : "–"),
      changesFromParent(doc.lineage),
      el("h2", {}, "Metadata"), kv(meta),
      steps.length ? [el("h2", {}, "Intermediate values (" + steps.length + " steps)"), curveBox] : null,
    ];
    main.replaceChildren(...parts.flat().filter(Boolean));
    if (steps.length) {
      charts.trial = new uPlot({
        width: width(), height: 250, scales: { x: { time: false } },
        series: [{ label: "step" }, { label: "value", stroke: "#2563eb", width: 1.5 }],
      }, [steps.map(([s]) => Number(s)), steps.map(([, v]) => v)], curveBox);
    }
    if (REPORT) return;
    for (const stream of ["stdout", "stderr"]) {
      const log = await api("/study/" + enc(name) + "/trial/" + number + "/log/" + stream).catch(() => null);
      if (log && log.text !== null) {
        main.append(el("h2", {}, stream + (log.truncated ? " (last part)" : "")),
          el("p", { class: "note" }, log.path), el("pre", { class: "log", id: "log-" + stream }, log.text));
      }
    }
  }

  // ---- routing --------------------------------------------------------
  const path = REPORT ? REPORT.path : location.pathname;
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let page;
  if (parts.length === 0) page = studiesPage();
  else if (parts[0] === "study" && parts.length === 2) page = studyPage(parts[1]);
  else if (parts[0] === "study" && parts.length === 4 && parts[2] === "trial") page = trialPage(parts[1], Number(parts[3]));
  else page = Promise.reject(new Error("no page at " + path));
  page.catch((e) => showError($("main"), e));
})();
