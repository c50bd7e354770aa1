// policybot console: plain JavaScript, no build step, no CDN. The admin token is entered once,
// kept in sessionStorage (gone when the tab closes) and sent as a Bearer token.
"use strict";

const TOKEN_KEY = "policybot:admin-token";
const COVERAGE = { answered: "已回答", partial: "部分回答", none: "未回答" };
const STATUS = { "in force": "有效", expired: "已失效", "not yet in force": "尚未生效" };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (_) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response;
}

const getJSON = async (path) => (await api(path)).json();
const postJSON = (path, body) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
});

// Errors from any view: a lapsed token logs out, anything else is shown for a while.
function failed(error) {
  if (error instanceof Unauthorized) {
    logout("令牌无效，请重新登录。");
    return;
  }
  $("console-error").textContent = `出错了：${error.message}`;
  setTimeout(() => { $("console-error").textContent = ""; }, 6000);
}

// ---- login ----

async function login(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  try {
    await api("/admin/api/documents");
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("login-error").textContent = error instanceof Unauthorized
      ? "令牌不正确。" : `无法登录：${error.message}`;
    return;
  }
  $("token").value = "";
  start();
}

function logout(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  $("console").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
}

function start() {
  $("login").hidden = true;
  $("console").hidden = false;
  select("overview");
}

// ---- tabs ----

const VIEWS = { overview: loadOverview, review: loadReview, documents: loadDocuments,
                reports: loadReports };

function select(name, focus = false) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) tab.focus();
  }
  VIEWS[name]().catch(failed);
}

function tabKeys(event) {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  const at = tabs.indexOf(document.activeElement);
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (at < 0 || !step) return;
  const next = tabs[(at + step + tabs.length) % tabs.length];
  select(next.id.replace("tab-", ""), true);
}

// The first day of the last n days, as the local date the API reads.
function since(days) {
  const day = new Date();
  day.setDate(day.getDate() - (Number(days) - 1));
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

// ---- overview ----

async function loadOverview() {
  const body = await getJSON(`/admin/api/overview?since=${since($("overview-period").value)}`);
  const share = (n) => (body.total ? `${Math.round((100 * n) / body.total)}%` : "—");
  const stat = (value, label) => el("div", { class: "stat" }, el("b", {}, String(value)),
                                   el("span", {}, label));
  $("stats").replaceChildren(
    stat(body.total, "提问"),
    stat(share(body.coverage.answered), "已回答"),
    stat(share(body.coverage.partial), "部分回答"),
    stat(share(body.coverage.none), "未回答"),
    stat(`${body.ratings.up} / ${body.ratings.down}`, "好评 / 差评"),
  );
  $("chart").replaceChildren(chart(body.days));
  table($("top-measures"), ["措施", "文件", "次数"],
        body.measures.map((m) => [m.label, m.source, m.count]));
  table($("top-units"), ["责任单位", "次数"], body.units.map((u) => [u.unit, u.count]));
}

// Stacked bars per day: answered, partial, refused; drawn at the width it is shown at, so
// text is not stretched.
function chart(days) {
  const width = Math.max(320, $("chart").clientWidth || 800);
  const height = 240, left = 36, bottom = 24, top = 10;
  const most = Math.max(1, ...days.map((d) => d.answered + d.partial + d.none));
  const scale = (height - bottom - top) / most;
  const step = (width - left) / Math.max(days.length, 1);
  const bar = Math.max(2, step * 0.7);
  const total = days.reduce((n, d) => n + d.answered + d.partial + d.none, 0);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                            "aria-label": `每日提问数：${days.length} 天共 ${total} 个问题` });
  for (const tick of [0, most / 2, most]) {
    const y = height - bottom - tick * scale;
    root.append(svg("line", { x1: left, x2: width, y1: y, y2: y, class: "grid" }),
                svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" },
                    String(Math.round(tick))));
  }
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((day, i) => {
    const x = left + i * step + (step - bar) / 2;
    let y = height - bottom;
    const group = svg("g", { class: "day" },
                      svg("title", {}, `${day.day}：已回答 ${day.answered}，部分回答 ${day.partial}，未回答 ${day.none}`));
    for (const kind of ["answered", "partial", "none"]) {
      const h = day[kind] * scale;
      if (h > 0) {
        y -= h;
        group.append(svg("rect", { x, y, width: bar, height: h, class: kind }));
      }
    }
    root.append(group);
    if (i % labelEvery === 0) {
      root.append(svg("text", { x: x + bar / 2, y: height - 6, "text-anchor": "middle" },
                      day.day.slice(5)));
    }
  });
  return root;
}

function table(node, heads, rows) {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", {
      class: i === heads.length - 1 ? "num" : "" }, h)))),
    el("tbody", {}, rows.length ? rows.map((row) => el("tr", {}, row.map((cell, i) => el("td", {
      class: i === row.length - 1 ? "num" : "" }, String(cell)))))
      : el("tr", {}, el("td", { colspan: heads.length, class: "muted" }, "暂无数据"))),
  );
}

// ---- review ----

async function loadReview() {
  const kind = $("review-kind").value;
  const filter = { review: "review=true", none: "coverage=none", partial: "coverage=partial",
                   down: "rating=down" }[kind];
  const body = await getJSON(
    `/admin/api/questions?${filter}&pending=true&order=${$("review-order").value}`);
  $("review-count").textContent = `${body.items.length} 组问题`;
  $("review-list").replaceChildren(...body.items.map(reviewItem));
  if (!body.items.length) {
    $("review-list").append(el("li", { class: "card muted" }, "没有待审的问题。"));
  }
}

function reviewItem(item) {
  const pending = item.variants.map((v) => v.question);
  const actions = el("div", { class: "actions" });
  const search = el("div", { class: "search", hidden: "" });
  const node = el("li", { class: "card item", "aria-label": item.question },
    el("div", { class: "item-head" },
      el("p", { class: "item-question" }, item.question),
      el("span", { class: `badge ${item.coverage}` }, COVERAGE[item.coverage]),
      el("span", { class: "badge", title: "提问次数" }, `×${item.count}`),
      item.down ? el("span", { class: "badge none" }, `差评 ${item.down}`) : null,
      el("span", { class: "muted" }, `最近：${new Date(item.last_asked).toLocaleString("zh-CN")}`)),
    item.variants.length > 1
      ? el("ul", { class: "variants", "aria-label": "相近的问法" },
           item.variants.map((v) => el("li", {}, `${v.question}（${v.count}）`)))
      : null,
    actions, search);

  const settle = (text) => {
    actions.replaceChildren(el("p", { class: "done", role: "status" }, text));
    search.hidden = true;
  };
  const act = async (path, extra, text) => {
    for (const question of pending) await postJSON(path, { question, ...extra });
    settle(text);
  };
  actions.append(
    el("button", { class: "primary", "aria-expanded": "false", onclick: (event) => {
      const open = search.hidden;
      search.hidden = !open;
      event.currentTarget.setAttribute("aria-expanded", String(open));
      if (open) {
        const box = search.querySelector("input");
        box.focus();
        findMeasures(box.value, search, act).catch(failed);
      }
    } }, "挂到措施…"),
    el("button", { onclick: () => act("/admin/api/out-of-scope", {}, "已标为不在范围内")
      .catch(failed) }, "不在范围内"),
    el("button", { class: "quiet", onclick: () => act("/admin/api/dismiss", {}, "已忽略")
      .catch(failed) }, "忽略"),
  );
  let timer;
  const box = el("input", { type: "search", value: item.question, "aria-label": "搜索措施",
                            oninput: () => {
                              clearTimeout(timer);
                              timer = setTimeout(() => findMeasures(box.value, search, act)
                                .catch(failed), 300);
                            } });
  search.append(box, el("ul", { class: "results", "aria-label": "措施" }));
  return node;
}

async function findMeasures(query, search, act) {
  const results = search.querySelector(".results");
  if (!query.trim()) {
    results.replaceChildren();
    return;
  }
  const found = await getJSON(`/admin/api/measures?q=${encodeURIComponent(query)}`);
  results.replaceChildren(...found.map((m) => el("li", { class: "result" },
    el("b", {}, m.label),
    el("p", {}, `${m.section}：${m.text.slice(0, 90)}${m.text.length > 90 ? "…" : ""}`,
       el("br"), el("span", { class: "muted" }, m.source)),
    el("button", { "aria-label": `挂到 ${m.label}（${m.document}）`,
                   onclick: () => act("/admin/api/attach",
                                      { document: m.document, measure: m.measure },
                                      `已挂到 ${m.label}`).catch(failed) }, "挂到此措施"))));
}

// ---- documents ----

async function loadDocuments() {
  const documents = await getJSON("/admin/api/documents");
  const rows = documents.map((d) => el("tr", {},
    el("td", {}, d.id), el("td", {}, d.title), el("td", {}, d.number || "—"),
    el("td", {}, STATUS[d.status] || d.status), el("td", { class: "num" }, String(d.measures)),
    el("td", { class: "num" }, el("button", { class: "danger", "aria-label": `移除 ${d.id}`,
      onclick: () => removeDocument(d.id).catch(failed) }, "移除"))));
  $("documents").replaceChildren(
    el("thead", {}, el("tr", {}, ["编号", "标题", "文号", "状态", "措施数", ""].map(
      (h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

async function removeDocument(id) {
  if (!window.confirm(`从文件库移除 ${id}？`)) return;
  await api(`/admin/api/documents/${encodeURIComponent(id)}`, { method: "DELETE" });
  await loadDocuments();
}

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  if ($("upload-id").value.trim()) form.append("id", $("upload-id").value.trim());
  const bar = $("upload-progress");
  const message = $("upload-message");
  bar.hidden = false;
  bar.removeAttribute("value");
  message.textContent = `正在上传 ${file.name}…`;
  let job = await (await api("/admin/api/documents", { method: "POST", body: form })).json();
  while (job.state === "queued" || job.state === "indexing") {
    if (job.total) {
      bar.max = job.total;
      bar.value = job.done;
    }
    message.textContent = job.state === "queued" ? "排队等待索引…"
      : `正在索引 ${job.document}：${job.done}/${job.total || "?"}`;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    job = await getJSON(`/admin/api/ingests/${job.id}`);
  }
  bar.hidden = true;
  message.textContent = job.state === "done"
    ? `${job.document} 已${job.built ? "加入文件库" : "是最新版本"}。`
    : `${file.name} 索引失败：${job.error}`;
  if (job.state === "done") $("upload-form").reset();
  await loadDocuments();
}

// ---- reports ----

async function loadReports() {
  const body = await getJSON(`/admin/api/report.json?since=${since($("report-period").value)}`);
  table($("gaps"), ["主题", "示例问题", "未回答", "部分回答", "提问次数"],
        body.topics.map((t) => [t.name, t.examples.join("；"), t.refused, t.partial, t.count]));
}

async function download(path, filename) {
  const blob = await (await api(path)).blob();
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

function reportPath(format) {
  return `/admin/api/report.${format}?since=${since($("report-period").value)}`;
}

// ---- wiring ----

for (const select of document.querySelectorAll(".period")) {
  for (const days of [7, 30, 90, 180]) {
    select.append(new Option(`最近 ${days} 天`, String(days), days === 30, days === 30));
  }
}

$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", () => logout());
for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => select(tab.id.replace("tab-", "")));
}
document.querySelector("[role=tablist]").addEventListener("keydown", tabKeys);
$("overview-period").addEventListener("change", () => loadOverview().catch(failed));
$("review-kind").addEventListener("change", () => loadReview().catch(failed));
$("review-order").addEventListener("change", () => loadReview().catch(failed));
$("upload-form").addEventListener("submit", (event) => upload(event).catch(failed));
$("report-period").addEventListener("change", () => loadReports().catch(failed));
$("download-csv").addEventListener("click", () => download(reportPath("csv"), "policy-gaps.csv")
  .catch(failed));
$("download-md").addEventListener("click", () => download(reportPath("md"), "policy-gaps.md")
  .catch(failed));
$("download-gold").addEventListener("click", () => download("/admin/api/gold.jsonl",
                                                            "reviewed.jsonl").catch(failed));
if (sessionStorage.getItem(TOKEN_KEY)) start();
else $("token").focus();
