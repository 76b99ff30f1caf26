"use strict";
const csrf = document.querySelector('meta[name="berth-csrf"]').content;
const state = { status: null, routes: new Map(), usage: new Map(), events: [], seen: new Set(), windowSeconds: 300 };
const $ = (id) => document.getElementById(id);
let logsAbort = null;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function setConnection(text, live) {
  const node = $("connection");
  node.textContent = text;
  node.className = live ? "live" : "down";
}

// The session ended (expired, or the daemon restarted): only a new login link helps, so stop retrying.
function signedOut() {
  $("signed-out").hidden = false;
}

// Server-Sent Events read with fetch: calls onMessage(name, data) for each message until the stream ends.
async function readEvents(url, onMessage, signal) {
  const response = await fetch(url, { signal, cache: "no-store", credentials: "same-origin" });
  if (response.status === 401) { signedOut(); throw new Error("signed out"); }
  if (!response.ok) throw new Error("HTTP " + response.status);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      onMessage(name, data);
    }
  }
}

let retryDelay = 500;
async function connect() {
  try {
    setConnection("connecting…", false);
    await readEvents("/api/events", (name, data) => {
      const message = JSON.parse(data);
      if (name === "snapshot") applySnapshot(message);
      else if (name === "update") applyUpdate(message);
      retryDelay = 500;
      setConnection("live", true);
    });
    setConnection("disconnected; reconnecting…", false);
  } catch (error) {
    setConnection("disconnected (" + error.message + "); reconnecting…", false);
    if (error.message === "signed out") return;
  }
  setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 5000);
}

function applySnapshot(snapshot) {
  state.windowSeconds = snapshot.window_s;
  state.routes = new Map();
  for (const series of snapshot.routes) {
    if (series.length === 0) continue;
    state.routes.set(series[0].route, { service: series[0].service, points: series });
  }
  for (const event of snapshot.events) addEvent(event);
  state.status = snapshot.status;
  document.title = snapshot.status.project + " · berth";
  $("project").textContent = snapshot.status.project;
  renderServices(); renderRoutes(); renderEvents();
}

function applyUpdate(update) {
  state.status = update.status;
  const event = update.event;
  if (event.kind === "rates") {
    for (const point of event.routes || []) {
      let series = state.routes.get(point.route);
      if (!series) { series = { service: point.service, points: [] }; state.routes.set(point.route, series); }
      const last = series.points[series.points.length - 1];
      if (last && last.second >= point.second) continue;
      series.points.push(point);
      if (series.points.length > state.windowSeconds) series.points.shift();
    }
    renderRoutes();
  } else {
    addEvent(event);
    renderEvents();
  }
  renderServices();
}

function addEvent(event) {
  if (state.seen.has(event.seq)) return;
  state.seen.add(event.seq);
  state.events.push(event);
  if (state.events.length > 200) state.seen.delete(state.events.shift().seq);
}

function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return "–";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + " KiB";
  if (bytes < 1024 * 1024 * 1024) return (bytes / 1048576).toFixed(1) + " MiB";
  return (bytes / 1073741824).toFixed(2) + " GiB";
}

// Per service, the sum over its replicas of CPU (% of a core) and memory (MiB), one point a second for the
// chart window: `berth status` gives the latest figures, the page keeps the history.
function recordUsage(service) {
  const second = Math.floor(Date.now() / 1000);
  let points = state.usage.get(service.name);
  if (!points) { points = []; state.usage.set(service.name, points); }
  const last = points[points.length - 1];
  if (last && last.second >= second) return points;
  const measured = service.replicas.filter((r) => r.cpu_percent !== undefined || r.memory_bytes !== undefined);
  points.push({ second, cpu: measured.length ? measured.reduce((s, r) => s + (r.cpu_percent || 0), 0) : null,
    mem: measured.length ? measured.reduce((s, r) => s + (r.memory_bytes || 0), 0) / 1048576 : null });
  if (points.length > state.windowSeconds) points.shift();
  return points;
}

function formatUptime(seconds) {
  if (seconds === undefined || seconds === null) return "–";
  const s = Math.floor(seconds);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
}

// Service blocks and replica rows are made once and updated in place, so that focus, a half-typed replica
// count and a click in progress survive the once-a-second updates.
const blocks = new Map();

function serviceBlock(name) {
  let block = blocks.get(name);
  if (block) return block;
  const scaleId = "scale-" + name;
  block = { rows: new Map() };
  // Once the user touches the field, updates leave it alone until Scale is pressed (or it is left unchanged).
  const touched = () => { block.input.dataset.dirty = "1"; };
  block.input = el("input", { id: scaleId, type: "number", min: "0", max: "1000", inputmode: "numeric",
    oninput: touched, onchange: touched, onfocus: touched,
    onblur: () => { if (block.input.value === String(block.desired)) delete block.input.dataset.dirty; } });
  block.ready = el("span", { class: "hint" });
  block.toggle = el("button", { type: "button", "data-service": name, onclick: () => {
    if (block.toggle.dataset.action === "stop") act(name, "stop", "Stop every replica of " + name + "?");
    else act(name, "start", null);
  } });
  block.tbody = el("tbody");
  // A scheduled job: its timetable, and a run outside it (`berth run-now`). Hidden for other services.
  block.schedule = el("p", { class: "hint schedule", "data-schedule": name, hidden: "" });
  block.runNow = el("button", { type: "button", "data-action": "run", "data-service": name, hidden: "",
    onclick: () => act(name, "run", null) }, "Run now");
  block.root = el("div", { class: "service", "data-service": name },
    el("div", { class: "service-head" }, el("h3", { text: name }), block.ready,
      el("div", { class: "controls" },
        el("label", { for: scaleId, text: "Replicas" }), block.input,
        el("button", { type: "button", "data-action": "scale", "data-service": name,
          onclick: () => scale(name, block) }, "Scale"),
        el("button", { type: "button", class: "danger", "data-action": "restart", "data-service": name,
          onclick: () => act(name, "restart", "Restart every replica of " + name + "?") }, "Restart"),
        block.toggle, block.runNow)),
    block.schedule,
    el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, ...["Replica", "State", "Ready", "PID", "Port", "Restarts", "Uptime",
        "CPU", "Memory", "In flight", "Actions"].map((h, i) => el("th", { scope: "col", class: i === 4 || i === 9 ? "wide" : null, text: h })))),
      block.tbody)),
    block.usage = el("div", { class: "charts usage", "data-usage": name }));
  blocks.set(name, block);
  return block;
}

function setText(node, text) {
  text = String(text);
  if (node.textContent !== text) node.textContent = text;
}

function replicaRow(block, service, replica) {
  let row = block.rows.get(replica.index);
  const label = service.name + "." + replica.index;
  if (!row) {
    row = { cells: [] };
    row.state = el("span");
    row.reason = el("div", { class: "reason" });
    const cell = (wide) => { const td = el("td", { class: wide ? "wide" : null }); row.cells.push(td); return td; };
    // Stop holds the replica stopped (whatever its restart policy) until Start; the others keep serving.
    row.toggle = el("button", { type: "button", "data-replica": label, onclick: () => {
      const path = "/api/services/" + encodeURIComponent(service.name) + "/replicas/" + replica.index + "/";
      if (row.toggle.dataset.action === "stop") {
        if (confirm("Stop " + label + "? It stays stopped until you start it again.")) post(path + "stop", {});
      } else {
        post(path + "start", {});
      }
    } });
    row.tr = el("tr", { "data-replica": label },
      el("th", { scope: "row", text: label }),
      el("td", {}, row.state, row.reason), cell(false), cell(false), cell(true), cell(false), cell(false),
      cell(false), cell(false), cell(true),
      el("td", { class: "actions" }, el("button", { type: "button", "aria-label": "Logs of " + label,
        onclick: () => showLogs(service.name, replica.index) }, "Logs"), row.toggle));
    block.rows.set(replica.index, row);
  }
  row.tr.dataset.state = replica.state;
  row.tr.dataset.pid = replica.pid || "";
  setText(row.state, replica.state);
  row.state.className = "state state-" + replica.state;
  const reason = replica.held ? "stopped on its own: stays stopped until started" : replica.reason ||
    (replica.ejected_s ? "ejected by the gateway for " + replica.ejected_s + " s" : "");
  const running = !["stopped", "completed", "failed"].includes(replica.state);
  row.toggle.dataset.action = running ? "stop" : "start";
  row.toggle.className = running ? "danger" : "";
  row.toggle.setAttribute("aria-label", (running ? "Stop " : "Start ") + label);
  setText(row.toggle, running ? "Stop" : "Start");
  setText(row.reason, reason);
  row.reason.hidden = !reason;
  const values = [replica.ready ? "yes" : "no", replica.pid || "–", replica.port || "–", replica.restarts,
    formatUptime(replica.uptime_s),
    replica.cpu_percent === undefined || replica.cpu_percent === null ? "–" : replica.cpu_percent.toFixed(1) + " %",
    formatBytes(replica.memory_bytes), replica.in_flight === undefined ? "–" : replica.in_flight];
  values.forEach((value, i) => setText(row.cells[i], value));
  return row.tr;
}

function renderServices() {
  const container = $("services");
  const names = new Set(state.status.services.map((s) => s.name));
  for (const [name, block] of blocks) if (!names.has(name)) { block.root.remove(); blocks.delete(name); }
  for (const service of state.status.services) {
    const block = serviceBlock(service.name);
    block.desired = service.desired;
    if (!block.input.dataset.dirty && document.activeElement !== block.input) block.input.value = String(service.desired);
    setText(block.ready, service.replicas.filter((r) => r.ready).length + "/" + service.desired + " ready");
    const running = service.replicas.some((r) => r.state !== "stopped" && r.state !== "completed");
    block.toggle.dataset.action = running ? "stop" : "start";
    block.toggle.className = running ? "danger" : "";
    setText(block.toggle, running ? "Stop" : "Start");
    const schedule = service.schedule;
    block.schedule.hidden = !schedule;
    block.runNow.hidden = !schedule;
    if (schedule) {
      setText(block.schedule, "runs " + (schedule.schedule.startsWith("every") ? "" : "at ") + schedule.schedule +
        (schedule.running ? " · running now" : "") +
        " · last run " + (schedule.last_run ? new Date(schedule.last_run).toLocaleString() : "never") +
        " · next run " + (schedule.next_run ? new Date(schedule.next_run).toLocaleString() : "none"));
    }
    const indexes = new Set(service.replicas.map((r) => r.index));
    for (const [index, row] of block.rows) if (!indexes.has(index)) { row.tr.remove(); block.rows.delete(index); }
    service.replicas.forEach((replica, position) => {
      const tr = replicaRow(block, service, replica);
      if (block.tbody.children[position] !== tr) block.tbody.insertBefore(tr, block.tbody.children[position] || null);
    });
    const usage = recordUsage(service);
    block.usage.replaceChildren(
      chart(usage, (p) => p.cpu, null, service.name + " CPU", "%", 5),
      chart(usage, (p) => p.mem, null, service.name + " memory", "MiB", 1));
    if (container.lastElementChild !== block.root && !block.root.isConnected) container.append(block.root);
  }
}

async function post(path, body) {
  const result = $("action-result");
  result.className = "";
  result.textContent = "working…";
  try {
    const response = await fetch(path, { method: "POST", cache: "no-store", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Berth-CSRF": csrf },
      body: JSON.stringify(body) });
    const answer = await response.json();
    if (response.status === 401) signedOut();
    const failed = !response.ok || answer.ok === false;
    result.className = failed ? "bad" : "";
    result.textContent = answer.error ? answer.error : answer.message +
      (answer.not_ready && answer.not_ready.length ? ": " + answer.not_ready.map((n) => n.reason).join("; ") : "");
  } catch (error) {
    result.className = "bad";
    result.textContent = "failed: " + error.message;
  }
}

function scale(name, block) {
  const input = block.input;
  const count = Number(input.value);
  if (!Number.isInteger(count) || count < 0 || count > 1000) {
    $("action-result").className = "bad";
    $("action-result").textContent = "replicas must be a whole number from 0 to 1000";
    input.focus();
    return;
  }
  if (count < block.desired && !confirm("Scale " + name + " down from " + block.desired + " to " + count + "?")) return;
  delete input.dataset.dirty;
  post("/api/scale", { service: name, replicas: count });
}

function act(name, action, question) {
  if (question && !confirm(question)) return;
  post("/api/services/" + encodeURIComponent(name) + "/" + action, {});
}

function chart(points, value, second, label, unit, maxFloor) {
  const width = 300, height = 48;
  const values = points.map(value);
  const present = values.filter((v) => v !== null && v !== undefined);
  const max = Math.max(maxFloor, ...present);
  const start = points.length ? points[points.length - 1].second - state.windowSeconds + 1 : 0;
  const path = (vs) => {
    let d = "", pen = false;
    vs.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      const x = ((points[i].second - start) / (state.windowSeconds - 1)) * width;
      const y = height - 2 - (v / max) * (height - 4);
      d += (pen ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
      pen = true;
    });
    return d;
  };
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const latest = present.length ? present[present.length - 1] : null;
  svg.setAttribute("aria-label", label + ": " + (latest === null ? "no data" : latest.toFixed(1) + " " + unit));
  const line = document.createElementNS("http://www.w3.org/2000/svg", "path");
  line.setAttribute("class", "l1");
  line.setAttribute("d", path(values));
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(line);
  if (second) {
    const other = document.createElementNS("http://www.w3.org/2000/svg", "path");
    other.setAttribute("class", "l2");
    other.setAttribute("d", path(points.map(second)));
    other.setAttribute("vector-effect", "non-scaling-stroke");
    svg.append(other);
  }
  return el("figure", {}, el("figcaption", {}, el("span", { text: label }),
    el("b", { text: latest === null ? "–" : (latest < 10 ? latest.toFixed(1) : Math.round(latest)) + " " + unit })), svg);
}

function renderRoutes() {
  const container = $("routes");
  if (state.routes.size === 0) { container.replaceChildren(el("p", { class: "empty", text: "No gateway routes." })); return; }
  container.replaceChildren();
  for (const [route, series] of state.routes) {
    const points = series.points;
    const recent = points.slice(-10);
    const requests = recent.reduce((sum, p) => sum + p.requests, 0);
    container.append(el("article", { class: "route", "data-route": route },
      el("h3", {}, route + " ", el("small", { class: "hint", text: "→ " + series.service + " · " + (requests / Math.max(1, recent.length)).toFixed(1) + " req/s (10 s)" })),
      el("div", { class: "charts" },
        chart(points, (p) => p.requests, null, "requests/s", "/s", 1),
        chart(points, (p) => (p.requests ? (100 * p.errors) / p.requests : null), null, "5xx", "%", 5),
        chart(points, (p) => p.p50_ms, null, "p50", "ms", 1),
        chart(points, (p) => p.p99_ms, null, "p99", "ms", 1)),
      el("p", { class: "axis", "aria-hidden": "true" }, el("span", { text: "−5 min" }), el("span", { text: "now" }))));
  }
}

function renderEvents() {
  const list = $("events");
  list.replaceChildren();
  for (const event of state.events.slice().reverse().slice(0, 100)) {
    const time = new Date(event.time * 1000);
    const who = event.service ? event.service + (event.replica !== undefined && event.replica !== null ? "." + event.replica : "") : "daemon";
    const tone = event.state === "failed" || event.kind === "ejected" ? "bad"
      : event.state === "backoff" ? "warn" : "";
    list.append(el("li", { class: tone, "data-kind": event.kind, "data-state": event.state || "" },
      el("time", { datetime: time.toISOString(), text: time.toLocaleTimeString() }),
      el("span", { class: "who", text: who }), event.message));
  }
  if (state.events.length === 0) list.append(el("li", { class: "empty", text: "Nothing yet." }));
}

async function showLogs(service, replica) {
  if (logsAbort) logsAbort.abort();
  logsAbort = new AbortController();
  const pre = $("logs");
  pre.replaceChildren();
  $("logs-target").textContent = service + "." + replica;
  $("logs-hint").textContent = "Following new lines.";
  pre.focus();
  try {
    await readEvents("/api/logs?service=" + encodeURIComponent(service) + "&replica=" + replica, (name, data) => {
      if (name !== "log") return;
      const entry = JSON.parse(data);
      const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.append(el("span", { class: entry.stream, text: entry.line + "\n" }));
      while (pre.childNodes.length > 500) pre.firstChild.remove();
      if (stick) pre.scrollTop = pre.scrollHeight;
    }, logsAbort.signal);
  } catch (error) {
    if (error.name !== "AbortError") $("logs-hint").textContent = "Log stream ended: " + error.message;
  }
}

connect();
