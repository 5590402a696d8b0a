// ChungTay dashboard: token login, unit/period choice, two inline-SVG charts and the review list.
// The token stays in sessionStorage (this tab only) and goes out only as a bearer header.
"use strict";
(() => {
  const L = JSON.parse(document.getElementById("labels").textContent);
  const KEY = "chungtay.dashboard.token";
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const state = { context: null, completeness: null, trend: null };

  // ---- formatting -------------------------------------------------------------------------
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  const number = (v) => String(v).replace(".", ",");
  const pct = (v) => (v === null || v === undefined ? "—" : number(v) + "\u00a0%"); // never split
  const periodName = (p) => {
    if (p.kind === "annual") return fill(L.annual_period, { year: p.code });
    const [year, month] = p.code.split("-");
    return fill(L.monthly_period, { month: String(Number(month)), year });
  };
  const shortPeriod = (p) => (p.kind === "annual" ? p.code : p.code.slice(5) + "/" + p.code.slice(0, 4));
  // "HH:mm dd/MM/yyyy" in Hà Nội time, as the chats show it (domain.i18n.format_moment).
  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const moment = (iso) => {
    const p = Object.fromEntries(clock.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
  };

  function el(tag, attrs, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    }
    for (const c of children) node.append(c);
    return node;
  }
  const svgText = (x, y, text, attrs) => el("svg:text", { x, y, ...attrs }, text);

  // ---- talking to the API -----------------------------------------------------------------
  class HttpError extends Error {
    constructor(status) { super("HTTP " + status); this.status = status; }
  }

  async function api(path, params) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
    const r = await fetch(url, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY), Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
    if (!r.ok) throw new HttpError(r.status);
    return r.json();
  }

  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
  }

  function failed(err) {
    const status = err instanceof HttpError ? err.status : 0;
    document.body.dataset.ready = "error";
    if (status === 401) return signOut(L.error_unauthorized);
    showError(status === 403 ? L.error_forbidden : status === 404 ? L.error_not_found : L.error_generic);
    $("status").textContent = "";
    for (const id of ["completeness", "trend", "pending", "documents", "gaps"]) $(id).hidden = true;
  }

  // ---- sign in / out ----------------------------------------------------------------------
  function signOut(message) {
    sessionStorage.removeItem(KEY);
    state.context = state.completeness = state.trend = null;
    for (const id of ["completeness-chart", "completeness-table", "trend-chart", "trend-table", "pending-list",
      "documents-list", "gaps-list"]) {
      $(id).replaceChildren();
    }
    $("unit").replaceChildren();
    $("period").replaceChildren();
    $("board").hidden = $("who").hidden = $("logout").hidden = $("demo").hidden = true;
    $("login").hidden = false;
    $("token").value = "";
    showError(message || "");
    $("token").focus();
  }

  async function start() {
    showError("");
    $("status").textContent = L.loading;
    let ctx;
    try {
      ctx = await api("/api/v1/dashboard/context");
    } catch (err) {
      return failed(err);
    }
    state.context = ctx;
    $("login").hidden = true;
    $("board").hidden = $("who").hidden = $("logout").hidden = false;
    $("demo").hidden = !ctx.demo;
    const role = L["role_" + ctx.role] || ctx.role;
    $("who").textContent = fill(L.signed_in, { role, unit: ctx.unit.name });
    fillSelects(ctx);
    await load();
  }

  function fillSelects(ctx) {
    const wanted = new URLSearchParams(location.hash.slice(1));
    const units = ctx.units.map((u) => el("option", { value: u.code }, "\u00a0\u00a0".repeat(u.depth) + u.name));
    const asked = wanted.get("unit");
    if (asked && !ctx.units.some((u) => u.code === asked)) units.push(el("option", { value: asked }, asked));
    $("unit").replaceChildren(...units);
    $("unit").value = asked || ctx.unit.code;
    $("period").replaceChildren(...ctx.periods.map((p) => el("option", { value: p.kind + ":" + p.code }, periodName(p))));
    const period = wanted.get("period");
    if (period && ctx.periods.some((p) => p.kind + ":" + p.code === period)) $("period").value = period;
    $("period").disabled = ctx.periods.length === 0;
    $("no-periods").hidden = ctx.periods.length > 0;
  }

  async function load() {
    const unit = $("unit").value;
    const [kind, period] = ($("period").value || ":").split(":");
    // Unit and period (never the token) go into the address, so a view can be shared.
    history.replaceState(null, "", "#" + new URLSearchParams(period ? { unit, period: kind + ":" + period } : { unit }));
    showError("");
    $("status").textContent = L.loading;
    document.body.dataset.ready = "";
    try {
      const [completeness, trend, pending, documents, gaps] = await Promise.all([
        period ? api("/api/v1/reports/completeness", { unit, period, kind }) : null,
        api("/api/v1/reports/trend", { unit, limit: 12 }),
        api("/api/v1/reports/pending", { unit, limit: 20 }),
        api("/api/v1/documents", { unit, lang: document.documentElement.lang }),
        api("/api/v1/reports/gaps", { unit, limit: 10, lang: document.documentElement.lang }),
      ]);
      state.completeness = completeness;
      state.trend = trend;
      for (const id of ["completeness", "trend", "pending", "documents", "gaps"]) $(id).hidden = false;
      drawCompleteness();
      drawTrend();
      showPending(pending);
      showDocuments(documents);
      showGaps(gaps);
      $("status").textContent = "";
      document.body.dataset.ready = "1";
    } catch (err) {
      failed(err);
    }
  }

  // ---- completeness: one horizontal bar per child unit, the figures written beside it --------
  function table(headers, rows) {
    return el("table", {}, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) => el(i ? "td" : "th", i ? {} : { scope: "row" }, String(c)))))));
  }

  function drawCompleteness() {
    const data = state.completeness;
    const rows = data ? data.rows.filter((r) => !r.total) : [];
    const total = data ? data.rows.find((r) => r.total) : null;
    const empty = !total || total.expected === 0;
    $("completeness-empty").hidden = !empty;
    $("completeness-total").hidden = empty;
    $("completeness-chart").replaceChildren();
    $("completeness-table").replaceChildren();
    if (empty) return;
    $("completeness-total").textContent = fill(L.completeness_total, {
      received: total.received, expected: total.expected, rate: pct(total.rate),
      on_time: total.on_time, late: total.late, missing: total.missing,
    });
    const width = Math.max($("completeness-chart").clientWidth, 260);
    const rowH = 46, valueRoom = 110, barW = width - valueRoom;
    const svg = el("svg:svg", {
      viewBox: `0 0 ${width} ${rows.length * rowH}`, width, height: rows.length * rowH,
      role: "img", "aria-labelledby": "completeness-title",
    }, el("svg:title", { id: "completeness-title" }, L.completeness_chart));
    rows.forEach((r, i) => {
      const y = i * rowH, value = r.rate ?? 0, figures = `${pct(r.rate)} (${r.received}/${r.expected})`;
      svg.append(el("svg:g", { class: "bar", "data-unit": r.unit.code, "data-rate": r.rate ?? "" },
        el("svg:title", {}, `${r.unit.name}: ${figures}`),
        svgText(0, y + 15, r.unit.name, { class: "name" }),
        el("svg:rect", { class: "track", x: 0, y: y + 21, width: barW, height: 16, rx: 3 }),
        el("svg:rect", { class: "value", x: 0, y: y + 21, width: (barW * value) / 100, height: 16, rx: 3 }),
        svgText(barW + 8, y + 34, figures, { class: "figure" })));
    });
    $("completeness-chart").append(svg);
    $("completeness-table").append(table(
      [L.unit_label, L.col_expected, L.col_received, L.col_on_time, L.col_late, L.col_missing, L.col_rate],
      [...rows, total].map((r) => [r.total ? L.total : r.unit.name, r.expected, r.received, r.on_time, r.late, r.missing, pct(r.rate)])));
  }

  // ---- trend: poor and near-poor rate per period as two lines, each point labelled ----------
  const SERIES = [
    { key: "poor_rate", cls: "poor", label: () => L.poor },
    { key: "near_poor_rate", cls: "near-poor", label: () => L.near_poor },
  ];
  const ABOVE = -9, BELOW = 19, LINE = 16; // label baselines relative to the point; text height

  function niceMax(v) {
    for (const step of [5, 10, 20, 25, 50, 100]) if (v <= step) return step;
    return 100;
  }

  // Where each series' label of one period goes: the higher value's above its point, the lower
  // one's below (a row under the axis is kept for it, above the period names); should it still
  // reach them it goes above, and the other one moves up so the two never overlap.
  function labelYs(p, y, floor) {
    const vals = SERIES.map((s) => [s.cls, p[s.key]]).filter(([, v]) => v !== null && v !== undefined);
    vals.sort((a, b) => b[1] - a[1]);
    const out = {};
    if (!vals.length) return out;
    const [hi, lo] = vals;
    out[hi[0]] = y(hi[1]) + ABOVE;
    if (lo) {
      let below = y(lo[1]) + BELOW;
      if (below > floor) below = y(lo[1]) + ABOVE;
      out[lo[0]] = below;
      if (out[hi[0]] > below - LINE) out[hi[0]] = below - LINE;
    }
    return out;
  }

  function drawTrend() {
    const points = state.trend ? state.trend.points : [];
    const known = points.flatMap((p) => SERIES.map((s) => p[s.key])).filter((v) => v !== null);
    $("trend-chart").replaceChildren();
    $("trend-table").replaceChildren();
    $("trend-empty").hidden = known.length > 0;
    $("trend-note").hidden = !(known.length && points.length === 1);
    if (!known.length) return;
    const width = Math.max($("trend-chart").clientWidth, 260), height = 250;
    const left = 48, right = 32, top = 30, bottom = 54, floor = height - bottom + BELOW;
    const top_ = niceMax(Math.max(...known) * 1.15);
    const single = points.length === 1;
    // The first and last points stand in from the axis ends, so their labels clear the scale's.
    const inset = 28;
    const step = single ? 0 : (width - left - right - 2 * inset) / (points.length - 1);
    const x = (i) => (single ? (left + width - right) / 2 : left + inset + i * step);
    const y = (v) => top + (height - top - bottom) * (1 - v / top_);
    const svg = el("svg:svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": "trend-title",
    }, el("svg:title", { id: "trend-title" }, L.trend_chart));
    const axis = el("svg:g", { class: "axis" });
    for (const v of [0, top_ / 2, top_]) {
      axis.append(el("svg:line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }),
        svgText(left - 6, y(v) + 4, pct(v), { "text-anchor": "end" }));
    }
    // Period names, and point labels, at every point there is room for: always the newest (the
    // one read first), then every few counting back from it, so none runs into the next.
    const last = points.length - 1;
    const shown = (room) => {
      const every = Math.ceil(room / Math.max(step, 1));
      return (i) => single || (last - i) % every === 0;
    };
    const named = shown(58), labelled = shown(46);
    points.forEach((p, i) => {
      if (named(i)) {
        axis.append(svgText(x(i), height - 8, shortPeriod(p.period), { "text-anchor": "middle" }));
      }
    });
    svg.append(axis);
    const labels = points.map((p) => labelYs(p, y, floor));
    // One period has no line to draw: its two rates stand as columns side by side, so the
    // chart reads at once instead of two lone dots (a note under it says why).
    const columnW = 34, offset = { poor: -columnW / 2 - 4, "near-poor": columnW / 2 + 4 };
    for (const s of SERIES) {
      const pts = points.map((p, i) => [i, p[s.key]]).filter(([, v]) => v !== null);
      if (!single) {
        svg.append(el("svg:polyline", { class: "line " + s.cls, points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(" ") }));
      }
      for (const [i, v] of pts) {
        const p = points[i];
        const cx = single ? x(i) + offset[s.cls] : x(i);
        const mark = single
          ? el("svg:rect", { class: "column " + s.cls, x: cx - columnW / 2, y: y(v), width: columnW, height: Math.max(y(0) - y(v), 1) })
          : el("svg:circle", { cx, cy: y(v), r: 4.5, class: s.cls });
        const ly = single ? y(v) + ABOVE : labels[i][s.cls];
        svg.append(el("svg:g", { class: "point " + s.cls, "data-series": s.cls, "data-period": p.period.code, "data-value": v },
          el("svg:title", {}, `${s.label()}, ${periodName(p.period)}: ${pct(v)}`),
          mark,
          ...(labelled(i) ? [svgText(cx, ly, pct(v), { "text-anchor": "middle", class: s.cls })] : [])));
      }
    }
    $("trend-chart").append(svg);
    $("trend-table").append(table(
      [L.col_period, L.col_households, L.poor, L.col_rate, L.near_poor, L.col_rate],
      points.map((p) => [periodName(p.period), p.households, p.poor, pct(p.poor_rate), p.near_poor, pct(p.near_poor_rate)])));
  }

  // ---- pending reviews ----------------------------------------------------------------------
  function showPending(data) {
    $("pending-empty").hidden = data.total > 0;
    $("pending-count").hidden = data.total === 0;
    let count = fill(L.pending_count, { count: data.total });
    if (data.total > data.items.length) count += " · " + fill(L.pending_more, { shown: data.items.length });
    $("pending-count").textContent = count;
    $("pending-list").replaceChildren(...data.items.map((it) => {
      const who = it.household ? `${it.household.head_name} (${it.household.code})` : "";
      const meta = [it.ref, it.hamlet ? it.hamlet.name : "", fill(L.sent_on, { date: moment(it.submitted_at) }),
        L["stage_" + it.stage] || it.stage].filter(Boolean).join(" · ");
      return el("li", { "data-ref": it.ref, "data-kind": it.kind, "data-stage": it.stage },
        el("span", { class: "kind" }, (L.kinds[it.kind] || it.kind) + (who ? ": " : "")), who,
        el("br"), el("span", { class: "meta" }, meta));
    }));
  }

  // ---- the rounds' documents: fetched with the token (a plain link could not carry it) -------
  function filename(disposition) {
    const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
    return m ? decodeURIComponent(m[1]) : "document";
  }

  async function download(doc) {
    showError("");
    try {
      const r = await fetch(new URL(doc.path, location.origin), {
        headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) },
        credentials: "omit",
        cache: "no-store",
      });
      if (!r.ok) throw new HttpError(r.status);
      const url = URL.createObjectURL(await r.blob());
      const a = el("a", { href: url, download: filename(r.headers.get("Content-Disposition")) });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) return signOut(L.error_unauthorized);
      showError(L.download_failed);
    }
  }

  function roundName(r) {
    const code = r.kind === "periodic" ? r.code : r.code.slice(5) + "/" + r.code.slice(0, 4);
    const status = r.status === "closed"
      ? fill(L.round_closed, { number: r.decision_number, date: r.decision_date.split("-").reverse().join("/") })
      : L["round_" + r.status];
    return `${fill(L["round_" + r.kind], { code })}, ${r.commune.name} · ${status}`;
  }

  function showDocuments(data) {
    $("documents-empty").hidden = data.items.length > 0;
    $("documents-list").replaceChildren(...data.items.map((r) => el("li", { "data-round": r.round_id },
      el("span", { class: "round" }, roundName(r)),
      el("div", { class: "files" }, ...r.documents.map((d) => {
        const b = el("button", { type: "button", "data-path": d.path, "data-kind": d.kind }, d.title);
        b.addEventListener("click", () => download(d));
        return b;
      })))));
  }

  // ---- needs nobody addresses (issue 16): no helper, no matching support in 12 months, no plan --
  function showGaps(data) {
    $("gaps-empty").hidden = data.total > 0;
    $("gaps-count").hidden = data.households === 0;
    let count = fill(L.gaps_count, { open: data.with_open_needs, households: data.households,
      without: data.without_helper });
    if (data.total > data.items.length) count += " · " + fill(L.gaps_more, { shown: data.items.length });
    $("gaps-count").textContent = count;
    $("gaps-list").replaceChildren(...data.items.map((it) => {
      const open = it.needs.filter((n) => n.addressed_by.length === 0)
        .map((n) => (n.kind_labels.length ? `${n.label} (→ ${n.kind_labels.join(", ")})` : n.label));
      return el("li", { "data-code": it.code, "data-hamlet": it.hamlet_code },
        el("span", { class: "kind" }, `${it.head_name} (${it.code})`), " · " + it.hamlet_name,
        el("br"), el("span", { class: "meta" }, open.join("; ")));
    }));
  }

  // ---- wiring -----------------------------------------------------------------------------
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const token = $("token").value.trim();
    $("token").value = "";
    if (!token) return showError(L.token_required);
    sessionStorage.setItem(KEY, token);
    start();
  });
  $("logout").addEventListener("click", () => signOut(""));
  $("unit").addEventListener("change", load);
  $("period").addEventListener("change", load);
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { drawCompleteness(); drawTrend(); }, 150);
  });

  if (sessionStorage.getItem(KEY)) start();
  else signOut("");
})();
