// The Practice tab: scenarios, policy feedback and progress; the coordinator's summary for approvers.
// Everything from the server is put on the page as text (textContent), never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const ROUTE_TITLES = {
    safeguarding: "Safeguarding", redirect_private: "Personal details", complaint: "Complaint",
    abuse: "Abuse", handoff: "Out of scope", answer: "General question", acknowledge: "Thanks or greeting",
  };
  let csrf = null;
  let current = null;   // the scenario on screen, waiting for an answer
  let upcoming = null;  // {scenario, position} to show after the feedback
  let total = 0;
  let busy = false;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "className") node.className = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function say(text, isError) {
    const m = $("message");
    m.textContent = text || "";
    m.className = "message" + (isError ? " error" : "");
  }

  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method === "POST") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf || "";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      window.location.href = "/review/login";
      throw new Error("Please sign in again.");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function stars(n) { return "●".repeat(n) + "○".repeat(3 - n); }

  function showScenario(scenario, position) {
    current = scenario;
    $("intro").hidden = true;
    $("feedback").hidden = true;
    $("scenario").hidden = false;
    $("scenario-title").textContent = position && total ? `Scenario ${position} of ${total}` : "Scenario";
    $("scenario-meta").textContent = `${scenario.channel_title} · difficulty ${stars(scenario.difficulty)}`;
    $("scenario").dataset.scenario = scenario.id;
    $("scenario-comment").textContent = scenario.comment;
    $("answer").value = "";
    $("answer").focus();
  }

  function showResult(outcome) {
    const result = outcome.result;
    $("scenario").hidden = true;
    $("feedback").hidden = false;
    $("feedback").dataset.passed = String(result.passed);
    $("verdict").textContent = result.passed ? "Passed: this reply follows the policy and does what was needed."
                                             : "Not yet: see what to change below.";
    $("verdict").className = result.passed ? "verdict-pass" : "verdict-fail";
    $("route-was").textContent = `This was: ${result.scenario.route_title} (${result.scenario.channel_title.toLowerCase()}).`;
    $("your-answer").textContent = result.skipped ? "(no reply)" : result.answer;

    const findings = $("findings");
    findings.replaceChildren();
    if (result.violations.length) {
      findings.append(el("h3", {}, `Policy check: ${result.violations.length} problem(s)`));
      const list = el("ul", { className: "findings" });
      for (const v of result.violations) {
        list.append(el("li", { "data-testid": "finding", "data-rule": v.rule },
          el("span", { className: "rule" }, `${v.label} (${v.rule})`), ": ", v.message,
          el("span", { className: "evidence" }, "Evidence: “", el("mark", {}, v.evidence), "”"),
          el("span", { className: "clause", "data-testid": "clause" }, `Policy: “${v.clause}”`)));
      }
      findings.append(list);
    } else if (!result.skipped) {
      findings.append(el("p", { className: "verdict-pass", "data-testid": "guard-ok" }, "Policy check: no problems found."));
    } else if (!result.scenario.points.includes("no_reply")) {
      findings.append(el("p", { className: "verdict-fail" }, "This comment needs a reply: skipping leaves the person without one."));
    }

    const points = $("points");
    points.replaceChildren();
    for (const p of result.points) {
      const item = el("li", { "data-testid": "point", "data-point": p.point, "data-met": String(p.met) }, p.label);
      if (p.met === false && !(result.skipped && !result.scenario.points.includes("no_reply"))) {
        item.append(": ", el("span", { className: "why" }, p.message));
        if (p.evidence) item.append(` (“${p.evidence}”)`);
      }
      points.append(item);
    }
    $("model-id").textContent = result.scenario.model_reply ? `(${result.scenario.model_reply})` : "";
    $("model-answer").textContent = result.model_answer ||
      "No reply. Leave it for moderation or a person, and tell your line manager if it worries you.";
    $("tip").textContent = result.scenario.tip ? `Tip: ${result.scenario.tip}` : "";
    $("tip").hidden = !result.scenario.tip;
    upcoming = { scenario: outcome.next, position: outcome.position, newRound: outcome.new_round };
    $("next").focus();
  }

  function showProgress(p) {
    $("progress").hidden = !p;
    if (!p) return;  // not started yet
    $("ready").textContent = p.ready ? "Ready to reply on the service's behalf"
                                     : `Not ready yet (pass ${Math.round(p.ready_share * 100)}% in every route)`;
    $("ready").className = "ready-badge " + (p.ready ? "yes" : "no");
    $("ready").dataset.ready = String(p.ready);
    $("progress-summary").textContent =
      `${p.scenarios_done} of ${p.scenarios_total} scenarios done, ${p.scenarios_passed} passed; ` +
      `${p.attempts} attempt(s).`;
    const rows = $("progress-routes");
    rows.replaceChildren();
    for (const [route, r] of Object.entries(p.by_route)) {
      rows.append(el("tr", { "data-route": route },
        el("td", {}, ROUTE_TITLES[route] || route),
        el("td", { className: r.ready ? "ok" : "" }, `${r.passed} / ${r.total}`)));
    }
    const mistakes = $("mistakes");
    mistakes.replaceChildren();
    for (const m of p.mistakes.slice(0, 5)) {
      mistakes.append(el("li", { "data-testid": "mistake", "data-name": m.name }, `${m.label} ×${m.count}`));
    }
    if (!p.mistakes.length) mistakes.append(el("li", { className: "muted" }, "none yet"));
  }

  async function run(action) {
    if (busy) return;
    busy = true;
    try {
      await action();
    } catch (error) {
      say(error.message, true);
      if (error.status === 409 || error.status === 404) await loadState();
    } finally {
      busy = false;
    }
  }

  async function answer(text) {
    say("");
    const outcome = await api("POST", "/api/practice/answer", { scenario_id: current.id, answer: text });
    showResult(outcome);
    showProgress(outcome.progress);
  }

  async function loadState() {
    const state = await api("GET", "/api/practice/state");
    csrf = state.csrf;
    total = state.total;
    $("who").textContent = `Signed in as ${state.user.name} (${state.user.role})`;
    $("tab-coordinator").hidden = !state.user.can_approve;
    showProgress(state.progress);
    if (state.scenario) showScenario(state.scenario, state.position);
    else { $("intro").hidden = false; $("scenario").hidden = true; $("feedback").hidden = true; }
  }

  async function loadCoordinator() {
    const state = await api("GET", "/api/practice/state");
    csrf = state.csrf;
    $("who").textContent = `Signed in as ${state.user.name} (${state.user.role})`;
    $("tab-coordinator").hidden = !state.user.can_approve;
    const report = await api("GET", "/api/practice/report");
    $("coordinator-note").textContent =
      `Ready means at least ${Math.round(report.ready_share * 100)}% of the scenarios passed (latest attempt) in every route.`;
    const rows = $("coordinator-rows");
    rows.replaceChildren();
    for (const p of report.volunteers) {
      const v = p.volunteer;
      rows.append(el("tr", { "data-testid": "volunteer-row", "data-volunteer": v.name, "data-ready": String(p.ready) },
        el("td", {}, v.name + (v.active ? "" : " (unenrolled)")),
        el("td", {}, v.telegram_user_id || "–"),
        el("td", {}, v.web_user || "–"),
        el("td", {}, `${p.scenarios_done} / ${p.scenarios_total}`),
        el("td", { "data-testid": "passed" }, String(p.scenarios_passed)),
        el("td", {}, Object.entries(p.by_route).map(([r, x]) => `${ROUTE_TITLES[r] || r} ${x.passed}/${x.total}`).join(", ")),
        el("td", { "data-testid": "mistakes" }, p.mistakes.map((m) => `${m.label} ×${m.count}`).join("; ") || "–"),
        el("td", {}, p.ready ? "yes" : "not yet"),
        el("td", {}, p.last_practised ? new Date(p.last_practised).toLocaleString() : "–")));
    }
    if (!report.volunteers.length) rows.append(el("tr", {}, el("td", { colspan: 9 }, "No volunteers yet.")));
  }

  const coordinator = window.location.pathname.replace(/\/$/, "") === "/practice/coordinator";
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.dataset.tab === (coordinator ? "coordinator" : "practice")) link.setAttribute("aria-current", "page");
  }
  $(coordinator ? "coordinator-view" : "practice-view").hidden = false;

  if (coordinator) {
    run(loadCoordinator);
    return;
  }
  $("start").addEventListener("click", () => run(async () => {
    const started = await api("POST", "/api/practice/start");
    total = started.total;
    if ($("progress").hidden) showProgress((await api("GET", "/api/practice/state")).progress);
    say(started.resumed ? "Carrying on where you left off." : "");
    showScenario(started.scenario, started.position);
  }));
  $("submit").addEventListener("click", () => run(async () => {
    const text = $("answer").value;
    if (!text.trim()) { say("Write a reply first, or choose \"No reply\".", true); return; }
    await answer(text);
  }));
  $("skip").addEventListener("click", () => run(() => answer("")));
  $("next").addEventListener("click", () => {
    if (!upcoming) return;
    say(upcoming.newRound ? "You've seen every scenario: a new round starts." : "");
    showScenario(upcoming.scenario, upcoming.position);
  });
  $("stop").addEventListener("click", () => run(async () => {
    const stopped = await api("POST", "/api/practice/stop");
    say(`Practice stopped: ${stopped.summary.answered} answered this time, ${stopped.summary.passed} passed.`);
    current = null;
    $("scenario").hidden = true;
    $("feedback").hidden = true;
    $("intro").hidden = false;
    showProgress(stopped.progress);
  }));
  run(loadState);
})();
