extension DashboardAssets {
    /// Reads `/api/events` (Server-Sent Events over `fetch`, so that a bearer token can be sent), keeps the route
    /// history, draws the tables and SVG charts, and POSTs actions with the CSRF token.
    static let script = #"""
        "use strict";
        const csrf = document.querySelector('meta[name="berth-csrf"]').content;
        const tokenKey = "berth-admin-token";
        const state = { status: null, routes: new Map(), events: [], seen: new Set(), windowSeconds: 300 };
        const $ = (id) => document.getElementById(id);
        let logsAbort = null;

        function authHeaders() {
          const token = sessionStorage.getItem(tokenKey);
          return token ? { "Authorization": "Bearer " + token } : {};
        }

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

        function askForToken() {
          const form = $("token-form");
          form.hidden = false;
          $("token-input").focus();
        }

        $("token-form").addEventListener("submit", (event) => {
          event.preventDefault();
          sessionStorage.setItem(tokenKey, $("token-input").value);
          $("token-form").hidden = true;
          connect();
        });

        // Server-Sent Events read with fetch: calls onMessage(name, data) for each message until the stream ends.
        async function readEvents(url, onMessage, signal) {
          const response = await fetch(url, { headers: authHeaders(), signal, cache: "no-store" });
          if (response.status === 401) { askForToken(); throw new Error("admin token required"); }
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
            if (error.message === "admin token required") return;
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

        function formatUptime(seconds) {
          if (seconds === undefined || seconds === null) return "–";
          const s = Math.floor(seconds);
          if (s < 60) return s + "s";
          if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
          return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
        }

        function renderServices() {
          const container = $("services");
          const focused = document.activeElement && document.activeElement.id;
          const typed = {};
          container.querySelectorAll("input[type=number]").forEach((input) => {
            if (input.dataset.dirty) typed[input.id] = input.value;
          });
          container.replaceChildren();
          for (const service of state.status.services) {
            const scaleId = "scale-" + service.name;
            const input = el("input", { id: scaleId, type: "number", min: "0", max: "1000",
              value: typed[scaleId] !== undefined ? typed[scaleId] : String(service.desired),
              oninput: (e) => { e.target.dataset.dirty = "1"; } });
            if (typed[scaleId] !== undefined) input.dataset.dirty = "1";
            const running = service.replicas.some((r) => r.state !== "stopped" && r.state !== "completed");
            const head = el("div", { class: "service-head" },
              el("h3", { text: service.name }),
              el("span", { class: "hint", text: service.replicas.filter((r) => r.ready).length + "/" + service.desired + " ready" }),
              el("div", { class: "controls" },
                el("label", { for: scaleId, text: "Replicas" }), input,
                el("button", { type: "button", "data-action": "scale", "data-service": service.name,
                  onclick: () => scale(service, input) }, "Scale"),
                el("button", { type: "button", class: "danger", "data-action": "restart", "data-service": service.name,
                  onclick: () => act(service.name, "restart", "Restart every replica of " + service.name + "?") }, "Restart"),
                running
                  ? el("button", { type: "button", class: "danger", "data-action": "stop", "data-service": service.name,
                      onclick: () => act(service.name, "stop", "Stop every replica of " + service.name + "?") }, "Stop")
                  : el("button", { type: "button", "data-action": "start", "data-service": service.name,
                      onclick: () => act(service.name, "start", null) }, "Start")));
            const table = el("table", {},
              el("thead", {}, el("tr", {}, ...["Replica", "State", "Ready", "PID", "Port", "Restarts", "Uptime",
                "In flight", ""].map((h, i) => el("th", { scope: "col", class: i === 4 || i === 7 ? "wide" : null, text: h })))),
              el("tbody", {}, ...service.replicas.map((replica) => replicaRow(service, replica))));
            container.append(el("div", { class: "service", "data-service": service.name }, head,
              el("div", { class: "table-wrap" }, table)));
          }
          if (focused && $(focused)) $(focused).focus();
        }

        function replicaRow(service, replica) {
          const label = service.name + "." + replica.index;
          const reason = replica.reason || (replica.ejected_s ? "ejected by the gateway for " + replica.ejected_s + " s" : null);
          return el("tr", { "data-replica": label, "data-state": replica.state, "data-pid": replica.pid || "" },
            el("th", { scope: "row", text: label }),
            el("td", {}, el("span", { class: "state state-" + replica.state, text: replica.state }),
              reason ? el("div", { class: "reason", text: reason }) : null),
            el("td", { text: replica.ready ? "yes" : "no" }),
            el("td", { text: replica.pid || "–" }),
            el("td", { class: "wide", text: replica.port || "–" }),
            el("td", { text: replica.restarts }),
            el("td", { text: formatUptime(replica.uptime_s) }),
            el("td", { class: "wide", text: replica.in_flight === undefined ? "–" : replica.in_flight }),
            el("td", {}, el("button", { type: "button", "aria-label": "Logs of " + label,
              onclick: () => showLogs(service.name, replica.index) }, "Logs")));
        }

        async function post(path, body) {
          const result = $("action-result");
          result.className = "";
          result.textContent = "working…";
          try {
            const response = await fetch(path, { method: "POST", cache: "no-store",
              headers: Object.assign({ "Content-Type": "application/json", "X-Berth-CSRF": csrf }, authHeaders()),
              body: JSON.stringify(body) });
            const answer = await response.json();
            if (response.status === 401) askForToken();
            const failed = !response.ok || answer.ok === false;
            result.className = failed ? "bad" : "";
            result.textContent = answer.error ? answer.error : answer.message +
              (answer.not_ready && answer.not_ready.length ? ": " + answer.not_ready.map((n) => n.reason).join("; ") : "");
          } catch (error) {
            result.className = "bad";
            result.textContent = "failed: " + error.message;
          }
        }

        function scale(service, input) {
          const count = Number(input.value);
          if (!Number.isInteger(count) || count < 0 || count > 1000) {
            $("action-result").className = "bad";
            $("action-result").textContent = "replicas must be a whole number from 0 to 1000";
            input.focus();
            return;
          }
          if (count < service.desired && !confirm("Scale " + service.name + " down from " + service.desired + " to " + count + "?")) return;
          delete input.dataset.dirty;
          post("/api/scale", { service: service.name, replicas: count });
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
                chart(points, (p) => p.p99_ms, null, "p99", "ms", 1))));
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
        """#
}
