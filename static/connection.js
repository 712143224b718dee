// The screen's one websocket, kept alive for days: pongs to pings, a watchdog for silent
// sockets, reconnects with exponential backoff and jitter, a full resync on every connect,
// and a reload (only when the server answers) when the build changes.
"use strict";
window.WB = window.WB || {};
(function (WB) {
  const body = document.body;
  const banner = document.getElementById("banner");
  const MAX_DELAY = 30;
  const RELOAD_GUARD = { key: "wb-reloads", window: 600000, max: 3 };
  const state = {
    socket: null, attempt: 0, strikes: 0, lastMessage: Date.now(), heartbeat: Number(body.dataset.heartbeat) || 10,
    retryAt: 0, retryTimer: null, downSince: null, reason: "", handlers: null,
  };
  WB.connection = state;

  // [{at, why}] of this tab's recent reloads: a guard against loops, and a record for people.
  function recentReloads() {
    let list = [];
    try { list = JSON.parse(sessionStorage.getItem(RELOAD_GUARD.key) || "[]"); } catch (e) { list = []; }
    return list.filter((r) => r && Date.now() - r.at < RELOAD_GUARD.window);
  }

  // Reload only when the server answers the page: a reload while it is down would leave
  // the TV on the browser's error page. A few reloads in ten minutes at most (no loops).
  WB.reloadIfServerUp = function (why) {
    const recent = recentReloads();
    if (recent.length >= RELOAD_GUARD.max) return Promise.resolve(false);
    return fetch(location.href, { cache: "no-store" }).then((response) => {
      if (!response.ok) return false;
      recent.push({ at: Date.now(), why: why });
      try { sessionStorage.setItem(RELOAD_GUARD.key, JSON.stringify(recent)); } catch (e) { /* private mode */ }
      body.dataset.reloading = why;
      location.reload();
      return true;
    }, () => false);
  };

  function clockText(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function renderBanner() {
    if (state.downSince === null) {
      if (!banner.hidden) banner.hidden = true;
      body.classList.remove("disconnected");
      return;
    }
    body.classList.add("disconnected");
    banner.hidden = false;
    WB.setText(banner.querySelector(".banner-title"), state.reason);
    const minutes = Math.floor((Date.now() - state.downSince) / 60000);
    WB.setText(banner.querySelector(".banner-since"), "since " + clockText(state.downSince + WB.time.offset) + (minutes ? " (" + minutes + " min)" : "") + " · numbers below may be out of date ·");
    const left = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
    const open = state.socket && state.socket.readyState === WebSocket.OPEN;
    let retry = "reconnecting now…";
    if (state.retryTimer && left > 0) retry = "reconnecting in " + left + " s";
    else if (open) retry = "waiting for the next heartbeat…"; // a missed ping, not yet a dead link
    WB.setText(banner.querySelector(".banner-retry"), retry);
  }

  // A board-level warning from the server ("state store unreachable — values as of 10:42").
  function showNotice(text) {
    let el = document.getElementById("board-notice");
    if (!text) { if (el) el.hidden = true; delete body.dataset.notice; return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "board-notice";
      el.setAttribute("role", "status");
      body.prepend(el);
    }
    WB.setText(el, text);
    el.hidden = false;
    body.dataset.notice = text;
  }

  function down(reason) {
    if (state.downSince === null) state.downSince = Date.now();
    state.reason = reason;
    body.dataset.connected = "";
  }

  function scheduleReconnect(reason, seconds) {
    down(reason);
    if (state.retryTimer) return;
    // 0.5–1 s, 1–2 s, 2–4 s … up to 15–30 s: a restart is caught fast, a long outage costs little.
    const delay = seconds !== undefined ? seconds : Math.min(MAX_DELAY, 2 ** Math.min(state.attempt, 5)) * (0.5 + Math.random() / 2);
    state.attempt += 1;
    state.retryAt = Date.now() + delay * 1000;
    state.retryTimer = setTimeout(() => { state.retryTimer = null; open(); }, delay * 1000);
    renderBanner();
  }

  function drop(socket) {
    socket.onmessage = socket.onclose = socket.onerror = null;
    try { socket.close(4000, "watchdog"); } catch (e) { /* already closed */ }
  }

  function onMessage(socket, event) {
    state.lastMessage = Date.now();
    state.strikes = 0;
    if (state.downSince !== null && body.dataset.connected === "1") {
      state.downSince = null; // the suspect silence is over
      renderBanner();
    }
    let msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    const h = state.handlers;
    if (msg.type === "hello") {
      if (msg.build !== body.dataset.build) {
        body.dataset.newBuild = msg.build;
        WB.reloadIfServerUp("build");
        return;
      }
      WB.time.offset = msg.server_time * 1000 - Date.now();
      state.heartbeat = msg.heartbeat;
      if (msg.screen) WB.configure(msg.screen);
      showNotice(msg.notice);
      state.attempt = 0;
      state.downSince = null;
      body.dataset.connected = "1";
      body.dataset.connects = String(Number(body.dataset.connects || 0) + 1);
      renderBanner();
    } else if (msg.type === "snapshot") {
      WB.store.applySnapshot(msg);
      body.dataset.version = String(msg.version);
      if (h.onSnapshot) h.onSnapshot(msg);
    } else if (msg.type === "update") {
      WB.store.applyUpdate(msg);
      body.dataset.version = String(msg.version);
      body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
    } else if (msg.type === "ping") {
      WB.time.offset = msg.server_time * 1000 - Date.now();
      showNotice(msg.notice);
      socket.send(JSON.stringify({ type: "pong" }));
    }
  }

  function open() {
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    let socket;
    try { socket = new WebSocket(proto + location.host + body.dataset.ws); } catch (e) { scheduleReconnect("Cannot reach the wall server"); return; }
    state.socket = socket;
    state.lastMessage = state.openedAt = Date.now();
    socket.onmessage = (event) => onMessage(socket, event);
    socket.onclose = (event) => {
      if (state.socket === socket) state.socket = null;
      if (event.code === 4404) {
        // The config may gain the team later; try again now and then.
        scheduleReconnect("Unknown team: check this screen's address (" + (event.reason || "") + ")", 60);
        return;
      }
      if (event.code === 4001) {
        // A config reload removed a team this page shows: reload it, spread over a few
        // seconds so a wall of TVs does not reload all at once.
        setTimeout(() => location.reload(), Math.random() * 5000);
        return;
      }
      // 1001: the server is restarting on purpose; come back at the first attempt's pace,
      // after the spread wait it suggests ("retry in 1234 ms") so screens do not all land at once.
      if (event.code === 1001) {
        state.attempt = 0;
        const hint = /retry in (\d+) ms/.exec(event.reason || "");
        if (hint) { scheduleReconnect("Disconnected from the wall server", Number(hint[1]) / 1000); return; }
      }
      scheduleReconnect("Disconnected from the wall server");
    };
  }

  // Called every second: the banner's countdown.
  WB.connectionTick = renderBanner;

  // Four times a second: a silent socket is suspect after a missed ping (banner), and dead
  // after watchdog_heartbeats (closed and reopened; reload if that keeps happening).
  function watchdog() {
    const socket = state.socket;
    const beats = (WB.settings && WB.settings.watchdog_heartbeats) || 3;
    if (socket && socket.readyState === WebSocket.CONNECTING && Date.now() - state.openedAt > state.heartbeat * beats * 1000) {
      // Packets into the void: the browser could wait minutes for TCP to give up. Not we.
      state.socket = null;
      drop(socket);
      scheduleReconnect(state.reason || "Cannot reach the wall server");
      return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const silent = Date.now() - state.lastMessage;
    if (silent > state.heartbeat * 1750 && state.downSince === null) {
      state.reason = "No news from the wall server";
      state.downSince = state.lastMessage;
      renderBanner();
    }
    if (silent <= state.heartbeat * beats * 1000) return;
    // Open but silent for several heartbeats: the link is dead even if the socket says not.
    state.strikes += 1;
    body.dataset.watchdog = String(Number(body.dataset.watchdog || 0) + 1);
    state.socket = null;
    drop(socket);
    if (state.strikes >= 2) WB.reloadIfServerUp("watchdog"); // the page itself may be wedged
    scheduleReconnect("No news from the wall server");
  };

  WB.connect = function (handlers) {
    state.handlers = handlers || {};
    open();
    setInterval(watchdog, 250);
  };
})(window.WB);
