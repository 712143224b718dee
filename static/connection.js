// The screen's one websocket, kept alive for days: pongs to pings, a watchdog for silent
// sockets, reconnects with exponential backoff and jitter, a full resync on every connect,
// and a reload (only when the server answers) when the build changes.
import { clockText, onTick, serverNow, setServerTime } from "./clock.js";
import { adoptSocket } from "./device.js";
import { setText } from "./dom.js";
import { adoptProtocol, closeCode } from "./protocol.js";
import { reloadIfServerUp } from "./reload.js";
import { configure, settings } from "./settings.js";
import { applySnapshot, applyUpdate } from "./store.js";

const body = document.body;
const banner = document.getElementById("banner");
const MAX_DELAY = 30;
const state = {
  socket: null,
  openedAt: 0, // when the current socket was opened: a CONNECTING one is given up after a while
  attempt: 0,
  strikes: 0,
  lastMessage: Date.now(),
  heartbeat: Number(body.dataset.heartbeat) || 10,
  retryAt: 0,
  retryTimer: null,
  downSince: null,
  reason: "",
};

function renderBanner() {
  if (state.downSince === null) {
    if (!banner.hidden) banner.hidden = true;
    body.classList.remove("disconnected");
    return;
  }
  body.classList.add("disconnected");
  banner.hidden = false;
  setText(banner.querySelector(".banner-title"), state.reason);
  const minutes = Math.floor((Date.now() - state.downSince) / 60000);
  const since = clockText(state.downSince + serverNow() - Date.now()); // on the server's clock
  const lasting = minutes ? " (" + minutes + " min)" : "";
  setText(
    banner.querySelector(".banner-since"),
    "since " + since + lasting + " · numbers below may be out of date ·",
  );
  const left = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
  const open = state.socket && state.socket.readyState === WebSocket.OPEN;
  let retry = "reconnecting now…";
  if (state.retryTimer && left > 0) retry = "reconnecting in " + left + " s";
  else if (open) retry = "waiting for the next heartbeat…"; // a missed ping, not yet a dead link
  setText(banner.querySelector(".banner-retry"), retry);
}

// A board-level warning from the server ("state store unreachable — values as of 10:42").
function showNotice(text) {
  let el = document.getElementById("board-notice");
  if (!text) {
    if (el) el.hidden = true;
    delete body.dataset.notice;
    return;
  }
  if (!el) {
    el = document.createElement("div");
    el.id = "board-notice";
    el.setAttribute("role", "status");
    body.prepend(el);
  }
  setText(el, text);
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
  const backoff = Math.min(MAX_DELAY, 2 ** Math.min(state.attempt, 5)) * (0.5 + Math.random() / 2);
  const delay = seconds !== undefined ? seconds : backoff;
  state.attempt += 1;
  state.retryAt = Date.now() + delay * 1000;
  state.retryTimer = setTimeout(() => {
    state.retryTimer = null;
    open();
  }, delay * 1000);
  renderBanner();
}

function drop(socket) {
  socket.onmessage = socket.onclose = socket.onerror = null;
  try {
    socket.close(4000, "watchdog");
  } catch {
    /* already closed */
  }
}

function count(name) {
  body.dataset[name] = String(Number(body.dataset[name] || 0) + 1);
}

function onMessage(socket, event) {
  state.lastMessage = Date.now();
  state.strikes = 0;
  if (state.downSince !== null && body.dataset.connected === "1") {
    state.downSince = null; // the suspect silence is over
    renderBanner();
  }
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch {
    return;
  }
  if (msg.type === "hello") {
    if (msg.build !== body.dataset.build) {
      body.dataset.newBuild = msg.build;
      reloadIfServerUp("build");
      return;
    }
    setServerTime(msg.server_time);
    adoptProtocol(msg.protocol);
    state.heartbeat = msg.heartbeat;
    if (msg.screen) configure(msg.screen);
    showNotice(msg.notice);
    state.attempt = 0;
    state.downSince = null;
    body.dataset.connected = "1";
    count("connects");
    renderBanner();
  } else if (msg.type === "snapshot") {
    applySnapshot(msg);
    body.dataset.version = String(msg.version);
  } else if (msg.type === "update") {
    applyUpdate(msg);
    body.dataset.version = String(msg.version);
    count("updates");
  } else if (msg.type === "ping") {
    setServerTime(msg.server_time);
    showNotice(msg.notice);
    socket.send(JSON.stringify({ type: "pong" }));
  }
}

function onClose(socket, event) {
  if (state.socket === socket) state.socket = null;
  if (event.code === closeCode("unknown_team")) {
    // The config may gain the team later; try again now and then.
    scheduleReconnect(
      "Unknown team: check this screen's address (" + (event.reason || "") + ")",
      60,
    );
    return;
  }
  if (event.code === closeCode("teams_changed")) {
    // A config reload removed a team this page shows: reload it, spread over a few
    // seconds so a wall of TVs does not reload all at once.
    setTimeout(() => location.reload(), Math.random() * 5000);
    return;
  }
  // Going away: the server is restarting on purpose; come back at the first attempt's pace,
  // after the spread wait it suggests ("retry in 1234 ms") so screens do not all land at once.
  if (event.code === closeCode("going_away")) {
    state.attempt = 0;
    const hint = /retry in (\d+) ms/.exec(event.reason || "");
    if (hint) {
      scheduleReconnect("Disconnected from the wall server", Number(hint[1]) / 1000);
      return;
    }
  }
  scheduleReconnect("Disconnected from the wall server");
}

function open() {
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  let socket;
  try {
    socket = new WebSocket(proto + location.host + body.dataset.ws);
  } catch {
    scheduleReconnect("Cannot reach the wall server");
    return;
  }
  state.socket = socket;
  adoptSocket(socket); // the fleet view's reports and commands (device.js)
  state.lastMessage = state.openedAt = Date.now();
  socket.onmessage = (event) => onMessage(socket, event);
  socket.onclose = (event) => onClose(socket, event);
}

// Four times a second: a silent socket is suspect after a missed ping (banner), and dead
// after watchdog_heartbeats (closed and reopened; reload if that keeps happening).
function watchdog() {
  const socket = state.socket;
  const patience = state.heartbeat * (settings().watchdog_heartbeats || 3) * 1000;
  if (
    socket &&
    socket.readyState === WebSocket.CONNECTING &&
    Date.now() - state.openedAt > patience
  ) {
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
  if (silent <= patience) return;
  // Open but silent for several heartbeats: the link is dead even if the socket says not.
  state.strikes += 1;
  count("watchdog");
  state.socket = null;
  drop(socket);
  if (state.strikes >= 2) reloadIfServerUp("watchdog"); // the page itself may be wedged
  scheduleReconnect("No news from the wall server");
}

// Open the socket and keep it alive; the store hears every snapshot and update.
export function connect() {
  open();
  setInterval(watchdog, 250);
  onTick(renderBanner); // the banner's countdown
}
