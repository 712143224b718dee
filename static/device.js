// A screen as a device (docs/pairing.md): it reports what an operator needs over its
// websocket (build, viewport, heap, DOM nodes, page errors), obeys the fleet view's
// commands (identify, reload, move), and goes back to the pairing view when revoked.
// It only listens to the socket connection.js opens (adoptSocket) and sends small,
// bounded frames; the server rate-limits them too.
import { cap, closeCode } from "./protocol.js";

const body = document.body;
const params = new URLSearchParams(location.search);
const MAX_ERRORS = 5;
const REPORT_EVERY = 30000;
const errors = [];
let socket = null;
let soon = null;
let overlay = null;
let overlayTimer = null;

// ?screen=NAME names an unpaired screen in the fleet view: pass it to the socket. This runs
// when the module is first imported, before connection.js opens its first socket.
const name = (params.get("screen") || "").slice(0, 60);
if (name && body.dataset.ws) {
  const joiner = body.dataset.ws.includes("?") ? "&" : "?";
  body.dataset.ws += joiner + "screen=" + encodeURIComponent(name);
}

function text(value) {
  return String(value === undefined ? "" : value).slice(0, cap("max_report_text"));
}

function report() {
  soon = null;
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const scale = Number(getComputedStyle(document.documentElement).getPropertyValue("--scale")) || 1;
  const memory = performance.memory; // Chromium only; other browsers report no heap
  const frame = {
    type: "report",
    build: text(body.dataset.build).slice(0, 64),
    page: text(location.pathname + location.search),
    viewport: [window.innerWidth, window.innerHeight],
    scale: scale,
    heap: memory ? memory.usedJSHeapSize : null,
    dom: document.getElementsByTagName("*").length,
    errors: errors.splice(0, MAX_ERRORS),
  };
  try {
    socket.send(JSON.stringify(frame));
  } catch {
    /* closing: the next socket reports */
  }
}

function reportSoon(delay) {
  if (!soon) soon = setTimeout(report, delay);
}

function pageError(kind, message) {
  if (errors.length >= MAX_ERRORS) errors.shift(); // the newest matter most
  errors.push({ kind: kind, message: text(message) });
  reportSoon(1000);
}

window.addEventListener("error", (event) => {
  const where = event.filename
    ? " (" + event.filename.split("/").pop() + ":" + event.lineno + ")"
    : "";
  pageError("error", (event.message || "error") + where);
});
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  pageError("unhandledrejection", reason && reason.message ? reason.message : String(reason));
});

function identify(who) {
  if (!overlay) {
    overlay = document.createElement("div");
    overlay.id = "identify";
    Object.assign(overlay.style, {
      position: "fixed",
      inset: "0",
      zIndex: "1000",
      display: "flex",
      alignItems: "center",
      justifyContent: "center",
      background: "#0b3d91",
      color: "#fff",
      fontSize: "9vw",
      fontWeight: "bold",
      textAlign: "center",
      padding: "4vw",
    });
    document.body.appendChild(overlay);
  }
  overlay.textContent = who || "this screen";
  overlay.hidden = false;
  body.dataset.identify = "1";
  clearTimeout(overlayTimer);
  overlayTimer = setTimeout(() => {
    overlay.hidden = true;
    body.dataset.identify = "";
  }, 10000);
}

function samePage(page) {
  return typeof page === "string" && page.startsWith("/") && !page.startsWith("//");
}

function command(msg) {
  body.dataset.command = msg.action;
  if (msg.action === "identify") identify(typeof msg.name === "string" ? msg.name : "");
  else if (msg.action === "reload") location.reload();
  else if (msg.action === "move" && samePage(msg.page)) {
    const joiner = msg.page.includes("?") ? "&" : "?";
    location.assign(msg.page + (name ? joiner + "screen=" + encodeURIComponent(name) : ""));
  }
}

// After a lost socket: if this browser's credential was revoked, show the pairing view.
function checkPaired() {
  fetch("/pair/status", { cache: "no-store", credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then(
      (answer) => {
        if (answer && answer.valid === false) location.reload();
      },
      () => {},
    );
}

// Called by connection.js with every socket it opens.
export function adoptSocket(ws) {
  socket = ws;
  ws.addEventListener("message", (message) => {
    let msg;
    try {
      msg = JSON.parse(message.data);
    } catch {
      return;
    }
    if (msg.type === "hello") reportSoon(200);
    else if (msg.type === "command") command(msg);
  });
  ws.addEventListener("close", (closed) => {
    if (closed.code === closeCode("revoked"))
      location.reload(); // revoked: the server shows the pairing view
    else checkPaired();
  });
}

setInterval(() => reportSoon(0), REPORT_EVERY);
