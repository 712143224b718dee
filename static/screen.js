// The kiosk screen: applies snapshots and updates from the server and computes no status.
// Every upstream string is set with textContent, never as HTML.
"use strict";
(function () {
  const body = document.body;
  const wsPath = body.dataset.ws;
  const build = body.dataset.build;
  const panelsEl = document.getElementById("panels");
  const banner = document.getElementById("banner");
  const clock = document.getElementById("clock");
  const SVG = "http://www.w3.org/2000/svg";
  let offset = Number(body.dataset.serverTime) * 1000 - Date.now();
  let heartbeat = 10, watchdogBeats = 3, attempt = 0, lastMessage = Date.now();
  let socket = null, retryAt = 0, retryTimer = null;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function sparkPoints(values) {
    const known = [];
    values.forEach((v, i) => { if (v !== null && v !== undefined) known.push([i, v]); });
    if (known.length < 2) return "";
    const vs = known.map((k) => k[1]);
    const low = Math.min(...vs), high = Math.max(...vs), span = (high - low) || 1;
    const step = 100 / Math.max(values.length - 1, 1);
    return known.map(([i, v]) => (i * step).toFixed(1) + "," + (24 - (v - low) / span * 22 - 1).toFixed(1)).join(" ");
  }

  function age(ts) {
    if (!ts) return "waiting for data";
    const s = Math.max(0, Math.round((Date.now() + offset) / 1000 - ts));
    if (s < 90) return "updated " + s + " s ago";
    if (s < 5400) return "updated " + Math.round(s / 60) + " min ago";
    return "updated " + Math.round(s / 3600) + " h ago";
  }

  function renderPanel(p) {
    const section = el("section", "panel status-" + p.status + (p.stale ? " is-stale" : "") + (p.error ? " has-error" : ""));
    section.dataset.panel = p.id;
    section.appendChild(el("h2", "panel-title", p.title));
    const value = el("div", "panel-value");
    const icon = el("span", "status-icon");
    icon.setAttribute("aria-hidden", "true");
    value.append(icon, el("span", "value", p.display));
    section.appendChild(value);
    const state = el("div", "panel-state");
    if (p.stale) state.appendChild(el("span", "stale-badge", "stale"));
    if (p.error) state.appendChild(el("span", "error-badge", p.error));
    section.appendChild(state);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 100 24");
    svg.setAttribute("preserveAspectRatio", "none");
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", sparkPoints(p.spark || []));
    svg.appendChild(line);
    section.appendChild(svg);
    const list = el("ul", "items");
    (p.items || []).forEach((it) => {
      const li = el("li", "item status-" + it.status);
      li.append(el("span", "item-title", it.title), document.createTextNode(" "), el("span", "item-detail", it.detail));
      list.appendChild(li);
    });
    section.appendChild(list);
    const updated = el("p", "updated", age(p.updated_at) + (p.demo ? " · demo data" : ""));
    updated.dataset.updated = p.updated_at || "";
    updated.dataset.demo = p.demo ? "1" : "";
    section.appendChild(updated);
    return section;
  }

  function setTeamStatus(status) {
    body.className = body.className.replace(/status-\w+/, "status-" + status);
    const badge = document.querySelector(".team-status");
    if (badge) {
      badge.className = "team-status status-" + status;
      badge.querySelector(".status-text").textContent = status;
    }
  }

  function applySnapshot(data) {
    const fresh = data.panels.map(renderPanel);
    panelsEl.replaceChildren(...fresh);
    panelsEl.dataset.count = String(fresh.length);
    setTeamStatus(data.status);
  }

  function applyUpdate(msg) {
    msg.panels.forEach((p) => {
      const old = panelsEl.querySelector('[data-panel="' + CSS.escape(p.id) + '"]');
      const fresh = renderPanel(p);
      if (old) old.replaceWith(fresh); else panelsEl.appendChild(fresh);
    });
    setTeamStatus(msg.status);
    body.dataset.version = String(msg.version);
  }

  function showBanner(text) {
    banner.textContent = text;
    banner.hidden = false;
    body.classList.add("disconnected");
  }

  function hideBanner() {
    banner.hidden = true;
    body.classList.remove("disconnected");
  }

  function scheduleReconnect(reason) {
    if (retryTimer) return;
    const delay = Math.min(30, 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
    attempt += 1;
    retryAt = Date.now() + delay * 1000;
    showBanner(reason + " — reconnecting in " + Math.ceil(delay) + " s");
    body.dataset.reason = reason;
    retryTimer = setTimeout(() => { retryTimer = null; connect(); }, delay * 1000);
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(proto + location.host + wsPath);
    socket.onmessage = (event) => {
      lastMessage = Date.now();
      const msg = JSON.parse(event.data);
      if (msg.type === "hello") {
        if (msg.build !== build) { location.reload(); return; }
        offset = msg.server_time * 1000 - Date.now();
        heartbeat = msg.heartbeat;
        watchdogBeats = (msg.screen && msg.screen.watchdog_heartbeats) || 3;
        attempt = 0;
        hideBanner();
        body.dataset.connected = "1";
      } else if (msg.type === "snapshot") {
        applySnapshot(msg.data);
        body.dataset.version = String(msg.version);
      } else if (msg.type === "update") {
        applyUpdate(msg);
      } else if (msg.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    };
    socket.onclose = (event) => {
      body.dataset.connected = "";
      if (event.code === 4404) { showBanner("Unknown team: check the screen's address"); return; }
      scheduleReconnect("Disconnected from the wall server");
    };
  }

  function tick() {
    const now = new Date(Date.now() + offset);
    clock.textContent = now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    document.querySelectorAll(".updated").forEach((node) => {
      const ts = Number(node.dataset.updated);
      node.textContent = age(ts) + (node.dataset.demo ? " · demo data" : "");
    });
    if (retryTimer) {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      showBanner((body.dataset.reason || "Disconnected") + " — reconnecting in " + left + " s");
    }
    // Watchdog: a socket that says nothing for several heartbeats is dead even if open.
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessage > heartbeat * watchdogBeats * 1000) {
      socket.close();
      scheduleReconnect("No news from the wall server");
    }
  }

  document.querySelectorAll(".updated").forEach((node) => {
    node.dataset.demo = node.textContent.includes("demo data") ? "1" : "";
  });
  setInterval(tick, 1000);
  tick();
  connect();
})();
