// ChungTay dashboard, emulation panel (issue 16): the child units' reduction of the poor rate
// against their target as bars, the figures as a table, the candidates for commendation, and the
// ranking as XLSX. It follows the main script (dashboard.js): once the board has loaded a unit
// (body[data-ready="1"]) it loads that unit's year; the token is the same sessionStorage entry.
"use strict";
(() => {
  const L = JSON.parse(document.getElementById("labels").textContent);
  const KEY = "chungtay.dashboard.token";
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const panel = $("emulation");
  const state = { unit: null, year: null, data: null };

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  const two = new Intl.NumberFormat("vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat("vi-VN");
  const points = (v) => (v === null || v === undefined ? "—" : two.format(v).replace("-", "\u2212"));
  const pct = (v) => (v === null || v === undefined ? "—" : points(v) + "\u00a0%");
  const money = (v) => whole.format(v) + "\u00a0₫";
  // The target a unit is held to: its own, or its rate on 1 January when lower (met ⇔ reached).
  const applied = (r) => r.target_applied_pp ?? r.target_pp;

  function el(tag, attrs, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    for (const c of children) node.append(c);
    return node;
  }

  async function get(path, params, as) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const r = await fetch(url, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) }, credentials: "omit", cache: "no-store",
    });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return as === "blob" ? r.blob() : r.json();
  }

  async function load() {
    const unit = $("unit").value;
    if (!unit) return;
    if (unit !== state.unit) state.year = null;
    state.unit = unit;
    panel.dataset.ready = "";
    const params = state.year ? { unit, year: state.year } : { unit };
    try {
      const [data, honours] = await Promise.all([
        get("/api/v1/reports/emulation", params),
        get("/api/v1/reports/commendations", { ...params, limit: 5 }),
      ]);
      if (unit !== $("unit").value) return; // another unit was chosen meanwhile
      state.data = data;
      if (!state.year) years(data.year);
      state.year = data.year;
      panel.hidden = false;
      draw();
      showHonours(honours);
      panel.dataset.ready = "1";
    } catch (err) {
      // The board says what went wrong (the same unit's other reports fail alike).
      panel.hidden = true;
      panel.dataset.ready = "error";
    }
  }

  function years(current) {
    $("emulation-year").replaceChildren(...[0, 1, 2].map((back) => el("option", { value: current - back }, String(current - back))));
    $("emulation-year").value = String(current);
  }

  // ---- bars: each unit's reduction in points, its target as a tick, met in green ------------
  function draw() {
    const data = state.data;
    if (!data) return;
    const rows = data.rows.filter((r) => !r.total);
    const total = data.rows.find((r) => r.total);
    const known = rows.filter((r) => r.reduction_pp !== null);
    $("emulation-chart").replaceChildren();
    $("emulation-table").replaceChildren();
    $("emulation-empty").hidden = known.length > 0;
    $("emulation-total").hidden = total.reduction_pp === null;
    $("emulation-period").textContent = fill(L.emulation_period, { start: day(data.starts_on), end: day(data.ends_on) });
    if (total.reduction_pp !== null) {
      $("emulation-total").textContent = fill(L.emulation_total, {
        start: pct(total.rate_start), end: pct(total.rate_end), reduction: points(total.reduction_pp),
        target: points(total.target_pp), exits: total.exits, sustainable: total.sustainable_exits,
        fell_back: total.fell_back, supports: total.support_count, value: money(total.support_value),
      });
    }
    if (!known.length) return;
    const width = Math.max($("emulation-chart").clientWidth, 260);
    const rowH = 46, room = 150, barW = width - room;
    const values = known.flatMap((r) => [r.reduction_pp, applied(r)]);
    const lo = Math.min(0, ...values), hi = Math.max(0.5, ...values);
    const x = (v) => ((v - lo) / (hi - lo)) * barW;
    const svg = el("svg:svg", {
      viewBox: `0 0 ${width} ${known.length * rowH}`, width, height: known.length * rowH, role: "img",
      "aria-labelledby": "emulation-title",
    }, el("svg:title", { id: "emulation-title" }, L.emulation_chart));
    known.forEach((r, i) => {
      const y = i * rowH, from = Math.min(x(0), x(r.reduction_pp)), size = Math.abs(x(r.reduction_pp) - x(0));
      const figure = `${points(r.reduction_pp)} / ${points(applied(r))}`;
      const label = (r.rank ? r.rank + ". " : "") + r.unit.name;
      svg.append(el("svg:g", { class: "bar " + (r.met_target ? "met" : "missed"), "data-unit": r.unit.code, "data-reduction": r.reduction_pp },
        el("svg:title", {}, `${r.unit.name}: ${fill(L.emulation_bar, { reduction: points(r.reduction_pp), target: points(applied(r)) })}`),
        el("svg:text", { x: 0, y: y + 15, class: "name" }, label),
        el("svg:rect", { class: "track", x: 0, y: y + 21, width: barW, height: 16, rx: 3 }),
        el("svg:rect", { class: "value", x: from, y: y + 21, width: Math.max(size, 1), height: 16, rx: 3 }),
        el("svg:line", { class: "target", x1: x(applied(r)), x2: x(applied(r)), y1: y + 17, y2: y + 41 }),
        el("svg:text", { x: barW + 8, y: y + 34, class: "figure" }, figure)));
    });
    $("emulation-chart").append(svg);
    const head = [L.emulation_rank, L.unit_label, L.emulation_target, L.emulation_rate_start, L.emulation_rate_end,
      L.emulation_reduction, L.emulation_margin, L.emulation_exits, L.emulation_sustainable, L.emulation_fell_back,
      L.emulation_supports, L.emulation_support_value, L.emulation_fund];
    const cells = (r) => [r.total ? "" : r.rank ?? "—", r.total ? L.total : r.unit.name, points(r.target_pp),
      pct(r.rate_start), pct(r.rate_end), points(r.reduction_pp), points(r.margin_pp), r.exits, r.sustainable_exits,
      r.fell_back, r.support_count, money(r.support_value), money(r.fund_value)];
    $("emulation-table").append(el("table", {},
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...data.rows.map((r) => el("tr", {}, ...cells(r).map((c, i) => el(i === 1 ? "th" : "td", i === 1 ? { scope: "row" } : {}, String(c))))))));
  }

  const day = (iso) => iso.split("-").reverse().join("/");

  // ---- commendation: who beat the target, who helps after leaving poverty, who gave most -----
  function showHonours(data) {
    const lists = {
      "emulation-units": data.units.map((u) => fill(L.emulation_unit_item, {
        unit: u.unit.name, reduction: points(u.reduction_pp), target: points(applied(u)) })),
      "emulation-households": data.households.map((h) => fill(L.emulation_household_item, {
        head: h.household.head_name, hamlet: h.household.hamlet, exited: day(h.exited_on), count: h.count,
        value: money(h.value), households: h.households })),
      "emulation-supporters": data.supporters.map((s) => fill(L.emulation_supporter_item, {
        name: s.name, count: s.count, value: money(s.value), households: s.households })),
    };
    for (const [id, items] of Object.entries(lists)) {
      $(id).replaceChildren(...(items.length ? items.map((t) => el("li", {}, t)) : [el("li", { class: "empty" }, L.emulation_none)]));
    }
  }

  async function download() {
    try {
      const blob = await get("/api/v1/exports/emulation.xlsx", { unit: state.unit, year: state.year }, "blob");
      const a = el("a", { href: URL.createObjectURL(blob), download: `thi-dua-${state.unit}-${state.year}.xlsx` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (err) {
      panel.dataset.ready = "error";
    }
  }

  $("emulation-year").addEventListener("change", () => { state.year = Number($("emulation-year").value); load(); });
  $("emulation-xlsx").addEventListener("click", download);
  new MutationObserver(() => {
    const ready = document.body.dataset.ready;
    if (ready === "1") load();
    else if (ready === "error") panel.hidden = true;
  }).observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
  let resizing = 0;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(draw, 150); });
})();
