// The study page's analysis views: parallel coordinates, slice, contour,
// parameter importance and the Pareto front. dashboard.js calls
// window.hsStudyViews(ctx) once per study page and then draw(where) after
// every filter change or live update. The server sends each view's data
// already filtered, sampled and (for the contour) interpolated onto a
// grid; this file only draws: uPlot for the scatters, a few canvas
// routines of our own for parallel coordinates, the contour heatmap and
// the importance bars.
"use strict";
(function () {
  const views = (window.hsViews = {});
  const IMPORTANCE_EVERY_MS = 10000;
  const HEIGHT = 320;
  const PAD = { left: 60, right: 30, top: 34, bottom: 40 };

  // A colour for a share t in [0, 1] of the way from the best value (0,
  // dark blue) to the worst (1, yellow): a short perceptual ramp.
  const RAMP = [[37, 52, 148], [44, 127, 184], [65, 182, 196], [161, 218, 180], [255, 237, 160]];
  function ramp(t) {
    const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
    const i = Math.min(RAMP.length - 2, Math.floor(x));
    const f = x - i;
    const c = RAMP[i].map((a, k) => Math.round(a + f * (RAMP[i + 1][k] - a)));
    return "rgb(" + c.join(",") + ")";
  }

  // Where coordinate c sits on axis a, as a share of its length.
  function unit(a, c) {
    if (a.kind === "categorical") return a.high > 0 ? c / a.high : 0.5;
    let lo = a.low, hi = a.high;
    if (a.log) { lo = Math.log(lo); hi = Math.log(hi); c = Math.log(Math.max(c, a.low)); }
    return hi > lo ? (c - lo) / (hi - lo) : 0.5;
  }

  // How good value v is among values: 0 best, 1 worst.
  function badness(values, direction) {
    const lo = Math.min(...values), hi = Math.max(...values);
    const span = hi > lo ? hi - lo : 1;
    return (v) => (direction === "maximize" ? hi - v : v - lo) / span;
  }

  function canvas(width, height) {
    const c = document.createElement("canvas");
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr; c.height = height * dpr;
    c.style.width = width + "px"; c.style.height = height + "px";
    const g = c.getContext("2d");
    g.scale(dpr, dpr);
    g.font = "11px system-ui, sans-serif";
    return [c, g];
  }

  function tickLabel(a, c, fmt) {
    return a.kind === "categorical" ? a.choices[Math.round(c)] : fmt(c);
  }

  // ---- parallel coordinates ------------------------------------------
  function parallel(box, doc, ctx) {
    const axes = doc.axes.concat([{ name: doc.objective, kind: "float", log: false,
      low: Math.min(...doc.value), high: Math.max(...doc.value), choices: [] }]);
    const columns = doc.columns.concat([doc.value]);
    const W = ctx.width(), [c, g] = canvas(W, HEIGHT);
    const x = (k) => PAD.left + (axes.length > 1 ? k * (W - PAD.left - PAD.right) / (axes.length - 1) : 0);
    const y = (u) => PAD.top + (1 - u) * (HEIGHT - PAD.top - PAD.bottom);
    const bad = badness(doc.value, doc.direction);
    // Worst first, so the best lines are drawn on top.
    const order = doc.value.map((v, i) => i).sort((i, j) => bad(doc.value[j]) - bad(doc.value[i]));
    g.lineWidth = 1;
    g.globalAlpha = doc.shown > 300 ? 0.5 : 0.8;
    for (const i of order) {
      g.strokeStyle = ramp(bad(doc.value[i]));
      g.beginPath();
      let pen = false;
      axes.forEach((a, k) => {
        const v = columns[k][i];
        if (v === null) { pen = false; return; }
        const px = x(k), py = y(unit(a, v));
        if (pen) g.lineTo(px, py); else g.moveTo(px, py);
        pen = true;
      });
      g.stroke();
    }
    g.globalAlpha = 1;
    g.strokeStyle = "#374151"; g.fillStyle = "#111827";
    axes.forEach((a, k) => {
      const px = x(k);
      g.beginPath(); g.moveTo(px, y(0)); g.lineTo(px, y(1)); g.stroke();
      g.textAlign = "center";
      g.fillText(a.name + (a.log ? " (log)" : ""), px, PAD.top - 18);
      const ticks = a.kind === "categorical" ? a.choices.map((_, i) => i) : [a.low, a.high];
      g.textAlign = "left";
      for (const t of ticks) g.fillText(tickLabel(a, t, ctx.fmt), px + 3, y(unit(a, t)) + 4);
    });
    box.replaceChildren(c);
    box.dataset.lines = doc.shown;
    views.parallel = { lines: doc.shown, axes: axes.length };
  }

  // ---- slice ----------------------------------------------------------
  function slice(box, doc, param, ctx) {
    if (views.slice) views.slice.destroy();
    const k = doc.axes.findIndex((a) => a.name === param);
    const a = doc.axes[k];
    const pairs = doc.columns[k].map((v, i) => [v, doc.value[i]]).filter((p) => p[0] !== null).sort((p, q) => p[0] - q[0]);
    const cat = a.kind === "categorical";
    // Categories side by side would stack on one x: spread them a little.
    const xs = pairs.map((p, i) => (cat ? p[0] + ((i * 0.618034) % 1 - 0.5) * 0.3 : p[0]));
    box.replaceChildren();
    views.slice = new uPlot({
      width: ctx.width(), height: HEIGHT, legend: { show: false },
      scales: { x: cat ? { time: false, range: [-0.5, a.high + 0.5] } : { time: false, distr: a.log ? 3 : 1 } },
      axes: [
        cat ? { label: a.name, splits: () => a.choices.map((_, i) => i), values: (u, s) => s.map((i) => a.choices[i]) } : { label: a.name + (a.log ? " (log)" : "") },
        { label: doc.objective },
      ],
      series: [{}, { stroke: "#2563eb", fill: "#2563eb", paths: () => null, points: { show: true, size: 5, stroke: "#2563eb", fill: "#2563eb" } }],
    }, [xs, pairs.map((p) => p[1])], box);
    box.dataset.points = pairs.length;
  }

  // ---- contour --------------------------------------------------------
  function contour(box, doc, ctx) {
    if (doc.x === null) {
      box.replaceChildren(ctx.el("p", { class: "note" }, doc.note));
      views.contour = { cells: 0, points: 0 };
      return;
    }
    const W = Math.min(ctx.width(), 720), H = 420;
    const [c, g] = canvas(W, H);
    const pw = W - PAD.left - PAD.right - 70, ph = H - PAD.top - PAD.bottom;
    const px = (u) => PAD.left + u * pw, py = (u) => PAD.top + (1 - u) * ph;
    const flat = doc.z.flat().filter((v) => v !== null);
    const bad = flat.length ? badness(flat, doc.direction) : () => 0;
    // Each node owns the cell reaching halfway to its neighbours.
    const edges = (axis, nodes) => {
      const u = nodes.map((v) => unit(axis, v));
      return u.map((v, i) => [i === 0 ? Math.min(0, v) : (u[i - 1] + v) / 2, i === u.length - 1 ? Math.max(1, v) : (v + u[i + 1]) / 2]);
    };
    const ex = edges(doc.x, doc.xs), ey = edges(doc.y, doc.ys);
    let cells = 0;
    doc.z.forEach((row, j) => row.forEach((v, i) => {
      if (v === null) return;
      g.fillStyle = ramp(bad(v));
      const x0 = px(ex[i][0]), x1 = px(ex[i][1]), y0 = py(ey[j][1]), y1 = py(ey[j][0]);
      g.fillRect(x0, y0, x1 - x0 + 0.5, y1 - y0 + 0.5);
      cells += 1;
    }));
    const pts = doc.points;
    g.strokeStyle = "#fff"; g.fillStyle = "#111";
    for (let i = 0; i < pts.number.length; i++) {
      g.beginPath();
      g.arc(px(unit(doc.x, pts.x[i])), py(unit(doc.y, pts.y[i])), 2.5, 0, 2 * Math.PI);
      g.fill(); g.stroke();
    }
    g.fillStyle = "#111827"; g.strokeStyle = "#374151";
    g.strokeRect(px(0), py(1), pw, ph);
    const ticks = (a) => (a.kind === "categorical" ? a.choices.map((_, i) => i) : [a.low, a.high]);
    g.textAlign = "center";
    for (const t of ticks(doc.x)) g.fillText(tickLabel(doc.x, t, ctx.fmt), px(unit(doc.x, t)), py(0) + 14);
    g.fillText(doc.x.name + (doc.x.log ? " (log)" : ""), px(0.5), py(0) + 30);
    g.textAlign = "right";
    for (const t of ticks(doc.y)) g.fillText(tickLabel(doc.y, t, ctx.fmt), px(0) - 4, py(unit(doc.y, t)) + 4);
    g.save(); g.translate(14, py(0.5)); g.rotate(-Math.PI / 2); g.textAlign = "center";
    g.fillText(doc.y.name + (doc.y.log ? " (log)" : ""), 0, 0); g.restore();
    // The colour key: best at the bottom.
    if (flat.length) {
      const kx = px(1) + 20, lo = Math.min(...flat), hi = Math.max(...flat);
      for (let s = 0; s < ph; s++) { g.fillStyle = ramp(1 - s / ph); g.fillRect(kx, PAD.top + s, 14, 1); }
      g.fillStyle = "#111827"; g.textAlign = "left";
      const [top, bottom] = doc.direction === "maximize" ? [lo, hi] : [hi, lo];
      g.fillText(ctx.fmt(top), kx + 18, PAD.top + 8);
      g.fillText(ctx.fmt(bottom), kx + 18, PAD.top + ph);
    }
    box.replaceChildren(c);
    box.dataset.cells = cells;
    box.dataset.points = pts.number.length;
    views.contour = { cells, points: pts.number.length, grid: [doc.z.length, doc.z.length ? doc.z[0].length : 0] };
  }

  // ---- importance -----------------------------------------------------
  function importance(box, doc, ctx) {
    if (doc.params.length === 0) {
      box.replaceChildren(ctx.el("p", { class: "note" }, doc.note || "no parameters to rank"));
      box.dataset.bars = 0;
      views.importance = { bars: 0 };
      return;
    }
    const rows = doc.params.map((p, i) => ctx.el("div", { class: "imp-row" },
      ctx.el("span", { class: "imp-name" }, p),
      ctx.el("span", { class: "imp-track" }, ctx.el("span", { class: "imp-bar", style: "width:" + (100 * doc.importance[i]).toFixed(1) + "%" })),
      ctx.el("span", { class: "imp-value" }, doc.importance[i].toFixed(3))));
    box.replaceChildren(...rows);
    box.dataset.bars = rows.length;
    views.importance = { bars: rows.length, params: doc.params };
  }

  // ---- Pareto front ---------------------------------------------------
  function pareto(box, doc, i, j, ctx) {
    if (views.pareto) views.pareto.destroy();
    const order = doc.number.map((_, k) => k).sort((a, b) => doc.values[i][a] - doc.values[i][b]);
    const xs = order.map((k) => doc.values[i][k]);
    const dominated = order.map((k) => (doc.front[k] ? null : doc.values[j][k]));
    const front = order.map((k) => (doc.front[k] ? doc.values[j][k] : null));
    const dot = (label, color, size) => ({ label, stroke: color, fill: color, paths: () => null, points: { show: true, size, stroke: color, fill: color } });
    const name = (k) => doc.objectives[k].name + " (" + doc.objectives[k].direction + ")";
    box.replaceChildren();
    views.pareto = new uPlot({
      width: Math.min(ctx.width(), 720), height: 420,
      scales: { x: { time: false } },
      axes: [{ label: name(i) }, { label: name(j) }],
      series: [{ label: name(i) }, dot("dominated", "#9ca3af", 5), dot("Pareto front", "#dc2626", 7)],
    }, [xs, dominated, front], box);
    box.dataset.front = front.filter((v) => v !== null).length;
    box.dataset.points = xs.length;
  }

  // ---- the section ----------------------------------------------------
  window.hsStudyViews = function (ctx) {
    const { el } = ctx;
    const q = (o) => Object.entries(o).filter(([, v]) => v !== "" && v !== null && v !== undefined).map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
    const box = (id) => el("div", { class: "chart", id });
    const note = (id) => el("p", { class: "note", id });
    const select = (id, onchange) => el("select", { id, onchange });
    const parallelBox = box("parallel"), parallelNote = note("parallel-note");
    const sliceBox = box("slice"), sliceNote = note("slice-note");
    const contourBox = box("contour"), contourNote = note("contour-note");
    const importanceBox = el("div", { id: "importance", class: "imp" }), importanceNote = note("importance-note");
    const paretoBox = box("pareto"), paretoNote = note("pareto-note");
    const st = { where: null, params: null, paretoDoc: null, importanceAt: 0 };
    const sliceSel = select("slice-param", () => st.params && slice(sliceBox, st.params, sliceSel.value, ctx));
    const cx = select("contour-x", () => drawContour()), cy = select("contour-y", () => drawContour());
    const px = select("pareto-x", () => drawPareto()), py = select("pareto-y", () => drawPareto());
    const paretoPart = el("div", { id: "pareto-part", style: "display:none" },
      el("h2", {}, "Pareto front"), el("div", { class: "controls" }, "x ", px, " y ", py), paretoBox, paretoNote);
    const section = el("section", { id: "analysis" },
      el("h2", {}, "Parallel coordinates"), parallelBox, parallelNote,
      el("h2", {}, "Slice"), el("div", { class: "controls" }, "parameter ", sliceSel), sliceBox, sliceNote,
      el("h2", {}, "Contour"), el("div", { class: "controls" }, "x ", cx, " y ", cy), contourBox, contourNote,
      el("h2", {}, "Parameter importance (fANOVA)"), importanceBox, importanceNote,
      paretoPart);
    if (ctx.report) { cx.disabled = true; cy.disabled = true; }

    const fill = (sel, names, pick) => {
      const keep = names.includes(sel.value) ? sel.value : pick;
      sel.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
      if (keep !== undefined) sel.value = keep;
    };
    const get = (view, extra) => ctx.api(ctx.base + "/" + view + "?" + q(Object.assign({ where: st.where }, extra)));

    async function drawParams() {
      const doc = await get("params", {});
      st.params = doc;
      const sampled = doc.shown < doc.matched ? " (sampled: the best quarter, then every k-th of the rest)" : "";
      if (doc.axes.length === 0 || doc.shown === 0) {
        parallelBox.replaceChildren(el("p", { class: "note" }, "No complete trial in the selection."));
        parallelBox.dataset.lines = 0;
        views.parallel = { lines: 0, axes: 0 };
      } else parallel(parallelBox, doc, ctx);
      parallelNote.textContent = doc.shown + " of " + doc.matched + " complete trials drawn" + sampled + "; darker is better";
      const names = doc.axes.map((a) => a.name);
      fill(sliceSel, names, names[0]);
      if (names.length && doc.shown) slice(sliceBox, doc, sliceSel.value, ctx);
      sliceNote.textContent = doc.shown + " of " + doc.matched + " complete trials drawn" + sampled;
    }

    async function drawContour() {
      const doc = await get("contour", { x: cx.value, y: cy.value });
      if (doc.x) {
        fill(cx, doc.params, doc.x.name);
        fill(cy, doc.params, doc.y.name);
      }
      contour(contourBox, doc, ctx);
      contourNote.textContent = doc.x ? doc.placed + " trials interpolated onto a " + doc.xs.length + "×" + doc.ys.length +
        " grid on the server (" + doc.method + "); " + doc.points.number.length + " drawn as points" : "";
    }

    async function drawImportance(force) {
      if (!force && Date.now() - st.importanceAt < IMPORTANCE_EVERY_MS) return;
      st.importanceAt = Date.now();
      const doc = await get("importance", {});
      importance(importanceBox, doc, ctx);
      importanceNote.textContent = doc.params.length ? "from " + doc.trials + " of " + doc.matched +
        " complete trials" + (doc.trials < doc.matched ? " (an even sample)" : "") + "; refreshed at most every 10 s while live" : "";
    }

    async function drawPareto() {
      const doc = st.paretoDoc = await get("pareto", {});
      paretoPart.style.display = doc.multi ? "" : "none";
      if (!doc.multi) return;
      const names = doc.objectives.map((o) => o.name);
      fill(px, names, names[0]);
      fill(py, names, names[1]);
      let i = names.indexOf(px.value), j = names.indexOf(py.value);
      if (i === j) j = (i + 1) % names.length;
      pareto(paretoBox, doc, i, j, ctx);
      paretoNote.textContent = doc.front_size + " non-dominated of " + doc.matched + " complete, feasible trials (over all " +
        names.length + " objectives); " + doc.shown + " drawn" + (doc.shown < doc.matched ? " (the front first, then an even spread)" : "");
    }

    // One drawing at a time: a change that arrives meanwhile is drawn
    // once the current one ends (charts are replaced, never drawn twice).
    let busy = false, next = null;
    async function draw(where) {
      next = where;
      if (busy) return;
      busy = true;
      try {
        while (next !== null) {
          const w = next;
          next = null;
          await drawOnce(w);
        }
      } finally { busy = false; }
    }

    async function drawOnce(where) {
      const changed = where !== st.where;
      st.where = where;
      const parts = [drawParams(), drawContour(), drawImportance(changed), drawPareto()];
      const results = await Promise.allSettled(parts);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) section.dataset.error = String(failed.reason && failed.reason.message || failed.reason);
      else delete section.dataset.error;
      window.hsViewsRendered = performance.now();
    }

    return { section, draw };
  };
})();
