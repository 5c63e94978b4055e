// The review queue page: plain JavaScript, no build step. Every text from the server is put on the page
// with textContent (never innerHTML), so nothing in a comment or a reply can run as code.
"use strict";

const $ = (id) => document.getElementById(id);
const OPEN = ["pending", "handed_off"];
const CHECK_DELAY_MS = 400;
const state = { me: null, items: [], item: null, history: [], users: [], timer: null, checkSeq: 0 };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(text, isError) {
  const box = $("message");
  box.textContent = text || "";
  box.classList.toggle("error", Boolean(isError));
}

async function api(path, body) {
  const options = { method: body === undefined ? "GET" : "POST", credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.headers["X-CSRF-Token"] = state.me ? state.me.csrf : "";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (response.status === 401) {
    const expired = data && /expired/.test(data.error || "");
    window.location.assign(expired ? "/review/login?expired=1" : "/review/login");
    throw new Error("Please sign in.");
  }
  if (!response.ok) throw new Error((data && data.error) || `The server answered ${response.status}.`);
  return data;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "");
const label = (text) => String(text || "").replace(/_/g, " ");

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

// ---------------------------------------------------------------- dashboard and list

async function loadDashboard() {
  const d = await api("/api/review/dashboard");
  const tile = (name, value, testid) => el("div", { class: "tile", "data-testid": testid }, el("strong", {}, value), name);
  const box = $("dashboard");
  box.replaceChildren(
    tile("pending", d.pending, "dash-pending"),
    tile("handed off", d.per_state.handed_off, "dash-handed-off"),
    tile("safeguarding to acknowledge", d.unacknowledged_safeguarding, "dash-safeguarding"),
    tile("median time to first response", duration(d.median_first_response_seconds), "dash-median"),
    ...Object.entries(d.per_route).map(([route, n]) => tile(label(route), n, `dash-route-${route}`)),
  );
}

function badge(text, cls) { return el("span", { class: `badge ${cls || ""}` }, label(text)); }

function flagBadges(item) {
  return ["disclosure", "complaint", "urgent"].filter((f) => item.flags[f]).map((f) => badge(f, `flag-${f}`));
}

async function loadList() {
  const params = new URLSearchParams();
  if ($("filter-route").value) params.set("route", $("filter-route").value);
  params.set("status", $("filter-status").value);
  const data = await api(`/api/review/items?${params}`);
  state.items = data.items;
  const list = $("items");
  list.replaceChildren(...data.items.map((item) => {
    const li = el("li", { class: item.needs_acknowledgement ? "alarm-item" : "", dataset: { id: item.id },
                          "data-testid": `item-${item.id}`, tabindex: "0" },
      el("div", {}, badge(item.route, `route-${item.route}`), badge(item.state, `state-${item.state}`),
         ...flagBadges(item), el("span", { class: "muted" }, `#${item.id} · ${item.platform} · ${item.author} · `,
                                 when(item.received_at))),
      el("span", { class: "text" }, item.text));
    if (state.item && state.item.id === item.id) li.classList.add("selected");
    li.addEventListener("click", () => openItem(item.id));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") openItem(item.id); });
    return li;
  }));
  $("empty").hidden = data.items.length > 0;
}

async function refresh() {
  try {
    await Promise.all([loadDashboard(), loadList()]);
  } catch (e) { say(e.message, true); }
}

// ---------------------------------------------------------------- one item

function highlighted(text, detections) {
  // The triage's detection spans (they may nest: a name inside a sentence about a child). The comment is
  // cut at every span boundary; each piece is marked by the spans covering it (a risk one shows as risk).
  const spans = detections.filter((d) => d.start >= 0 && d.end <= text.length && d.end > d.start);
  const cuts = [...new Set([0, text.length, ...spans.flatMap((d) => [d.start, d.end])])].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    const covering = spans.filter((d) => d.start <= a && d.end >= b);
    if (!covering.length) { parts.push(text.slice(a, b)); continue; }
    const risk = covering.some((d) => d.category === "risk");
    const inner = covering.length > 1 ? " det-inner" : "";
    parts.push(el("mark", { class: `det det-${risk ? "risk" : "disclosure"}${inner}`, "data-testid": "detection",
                            title: [...new Set(covering.map((d) => label(d.type)))].join(", ") }, text.slice(a, b)));
  }
  return parts;
}

function authors() {
  const names = new Set(state.history.filter((h) => h.action === "edit").map((h) => h.actor));
  if (state.item.drafted_by) names.add(state.item.drafted_by);
  return names;
}

const isOpen = () => state.item && OPEN.includes(state.item.state);
const isDirty = () => state.item && $("reply-edit").value !== state.item.reply;

function renderGuard(verdict, checking) {
  const box = $("guard");
  box.className = "guard";
  if (checking) {
    box.classList.add("checking");
    box.replaceChildren("Checking the reply against the policy…");
    return;
  }
  if (!verdict) { box.replaceChildren(); return; }
  box.classList.add(verdict.ok ? "ok" : "fail");
  box.dataset.ok = String(verdict.ok);
  if (verdict.ok) {
    box.replaceChildren(el("strong", { "data-testid": "guard-ok" }, "Passes the policy guard."));
    return;
  }
  const children = [el("strong", {}, verdict.violations.length
    ? `Not ready to post: ${verdict.violations.length} problem(s).` : "Not ready to post.")];
  if (verdict.violations.length) {
    children.push(el("ul", {}, ...verdict.violations.map((v) => el("li", { "data-testid": "finding" },
      el("strong", {}, label(v.rule)), ": ", v.message, " — ", el("mark", {}, v.evidence.length > 160
        ? `${v.evidence.slice(0, 160)}…` : v.evidence)))));
  }
  if (verdict.note) children.push(el("p", {}, verdict.note));
  if (verdict.suggestion) {
    const use = el("button", { type: "button", "data-testid": "use-suggestion" }, "Use this suggestion");
    use.addEventListener("click", () => { $("reply-edit").value = verdict.suggestion; onEdit(); });
    children.push(el("p", {}, el("strong", {}, "Suggested safe rewrite: "), verdict.suggestion, " "), use);
  }
  box.replaceChildren(...children);
}

function updateButtons() {
  const item = state.item;
  const open = isOpen();
  const dirty = isDirty();
  const mine = state.me.two_person_rule && authors().has(state.me.name);
  const failing = !dirty && !item.guard.ok;  // the saved text is what gets approved
  $("reply-edit").disabled = !open;
  $("save").disabled = !open || !dirty || !$("reply-edit").value.trim();
  $("approve").disabled = !open || dirty || !state.me.can_approve || mine || !item.reply.trim();
  $("approve").textContent = failing && item.reply.trim() ? "Approve with override" : "Approve";
  $("override-box").hidden = !(open && failing && item.reply.trim() && state.me.can_approve && !mine);
  $("reject").disabled = !open;
  $("handoff").disabled = !open;
  const hint = $("two-person");
  hint.hidden = !open;
  if (!state.me.can_approve) hint.textContent = "Only an approver (a line manager) can approve replies.";
  else if (mine) hint.textContent = "You drafted or edited this reply: another approver must approve it (two-person rule).";
  else if (dirty) hint.textContent = "Save your edit first; then another approver approves it.";
  else hint.hidden = true;
}

function renderHistory() {
  $("history").replaceChildren(...state.history.map((h) => {
    const details = [];
    if (h.reply_text) details.push(el("div", {}, h.reply_text.length > 200 ? `${h.reply_text.slice(0, 200)}…` : h.reply_text));
    if (h.override_reason) details.push(el("div", {}, el("strong", {}, "Override: "), h.override_reason));
    for (const [key, value] of Object.entries(h.details || {})) {
      details.push(el("div", { class: "muted" }, `${label(key)}: ${Array.isArray(value) ? value.join(", ") : value}`));
    }
    const guard = h.guard_ok === null || h.guard_ok === undefined ? ""
      : h.guard_ok ? "passes" : `fails (${[...new Set((h.guard?.violations || []).map((v) => label(v.rule)))].join(", ") || "no reply"})`;
    return el("tr", { "data-testid": "audit-row", dataset: { action: h.action, actor: h.actor } },
      el("td", {}, when(h.at)), el("td", {}, h.actor), el("td", {}, label(h.action)),
      el("td", {}, h.from_state && h.from_state !== h.to_state ? `${label(h.from_state)} → ${label(h.to_state)}` : label(h.to_state)),
      el("td", {}, guard), el("td", {}, ...details));
  }));
}

function renderDetail() {
  const item = state.item;
  $("detail").hidden = false;
  $("detail").dataset.state = item.state;
  $("alarm").hidden = !item.needs_acknowledgement;
  $("detail-title").replaceChildren(`#${item.id} `, badge(item.route, `route-${item.route}`),
                                    badge(item.state, `state-${item.state}`), ...flagBadges(item));
  $("detail-meta").replaceChildren(
    `${label(item.platform)} · ${item.author} · received ${when(item.received_at)} · via ${item.source}`,
    item.submitted_by ? ` by ${item.submitted_by}` : "",
    item.assignee ? ` · handed to ${item.assignee}` : "",
    item.acknowledged_by ? ` · acknowledged by ${item.acknowledged_by}` : "",
    item.decided_by ? ` · ${label(item.state)} by ${item.decided_by} ${when(item.decided_at)}` : "");
  $("comment").replaceChildren(...highlighted(item.text, item.detections));
  $("detections").textContent = item.detections.length
    ? `Found: ${[...new Set(item.detections.map((d) => label(d.type)))].join(", ")}` : "";
  $("suggested").textContent = item.suggested_reply || "No approved reply for this route: write one or hand it to a person.";
  $("reply-id").textContent = item.reply_id ? `(${item.reply_id})` : "";
  $("ready").hidden = !item.ready_to_post;
  $("ready-text").textContent = item.ready_to_post ? item.reply : "";
  const link = $("open-comment");
  link.hidden = !(item.ready_to_post && item.url);
  if (item.url) link.href = item.url;
  $("work").hidden = !isOpen();
  $("reply-edit").value = item.reply;
  $("override-reason").value = "";
  $("reject-reason").value = "";
  renderGuard(item.guard, false);
  updateButtons();
  renderHistory();
  for (const li of document.querySelectorAll("#items li")) {
    li.classList.toggle("selected", Number(li.dataset.id) === item.id);
  }
}

async function openItem(id) {
  try {
    const data = await api(`/api/review/items/${id}`);
    state.item = data.item;
    state.history = data.history;
    say("");
    renderDetail();
  } catch (e) { say(e.message, true); }
}

function onEdit() {
  clearTimeout(state.timer);
  const text = $("reply-edit").value;
  updateButtons();
  if (!isDirty()) { renderGuard(state.item.guard, false); return; }
  if (!text.trim()) { renderGuard(null, false); return; }
  renderGuard(null, true);
  const seq = ++state.checkSeq;
  state.timer = setTimeout(async () => {
    try {
      const verdict = await api("/api/review/check", { item_id: state.item.id, text });
      if (seq === state.checkSeq) renderGuard(verdict, false);
    } catch (e) { if (seq === state.checkSeq) say(e.message, true); }
  }, CHECK_DELAY_MS);
}

async function act(action, body, done) {
  try {
    const data = await api(`/api/review/items/${state.item.id}/${action}`, { version: state.item.version, ...body });
    state.item = data.item;
    state.history = data.history;
    renderDetail();
    say(done);
    await refresh();
  } catch (e) { say(e.message, true); }
}

async function copyReply() {
  const text = state.item.reply;
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const scratch = el("textarea", {}, text);
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  say("Copied. Paste it as the reply on the platform.");
}

// ---------------------------------------------------------------- start

async function start() {
  state.me = await api("/api/review/me");
  $("who").textContent = `Signed in as ${state.me.name} (${state.me.role})`;
  state.users = (await api("/api/review/users")).users;
  $("assignee").replaceChildren(...state.users.map((u) => el("option", { value: u.name }, `${u.name} (${u.role})`)));

  $("filter-route").addEventListener("change", refresh);
  $("filter-status").addEventListener("change", refresh);
  $("reply-edit").addEventListener("input", onEdit);
  $("save").addEventListener("click", () => act("edit", { text: $("reply-edit").value }, "Edit saved; another approver approves it."));
  $("approve").addEventListener("click", () => {
    const reason = $("override-box").hidden ? undefined : $("override-reason").value;
    act("approve", { override_reason: reason }, "Approved: ready to post.");
  });
  $("reject").addEventListener("click", () => act("reject", { reason: $("reject-reason").value || undefined }, "Rejected."));
  $("handoff").addEventListener("click", () => act("hand_off", { assignee: $("assignee").value }, `Handed to ${$("assignee").value}.`));
  $("acknowledge").addEventListener("click", () => act("acknowledge", {}, "Acknowledged."));
  $("copy").addEventListener("click", copyReply);
  $("signout").addEventListener("click", async () => {
    await fetch("/review/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": state.me.csrf } });
    window.location.assign("/review/login");
  });
  await refresh();
  setInterval(refresh, 30000);
}

start().catch((e) => say(e.message, true));
