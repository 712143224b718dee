// Time on the screen: the server's clock (ages are measured against it, not the TV's), the
// one-second tick every module hangs its timed work on, and the ticking relative ages.
import { setText } from "./dom.js";

let offset = Number(document.body.dataset.serverTime) * 1000 - Date.now();
const ticks = [];

// The server's time in ms; `seconds` comes from a hello or ping.
export const serverNow = () => Date.now() + offset;
export function setServerTime(seconds) {
  offset = seconds * 1000 - Date.now();
}

export function clockText(ms) {
  const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
  return new Date(ms).toLocaleTimeString([], options);
}

// "40 s ago", "3 min ago": the same rule as wallboard/views/screen_shape.py (age_text),
// which writes the first render. The one text the screen writes itself: it ticks.
export function age(ts) {
  const s = Math.max(0, Math.round(serverNow() / 1000 - ts));
  if (s < 90) return s + " s ago";
  if (s < 5400) return Math.round(s / 60) + " min ago";
  if (s < 172800) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " days ago";
}

// Every `.age[data-at]` in `root` says how long ago its moment was.
export function tickAges(root = document) {
  root.querySelectorAll(".age[data-at]").forEach((node) => {
    const at = Number(node.dataset.at);
    setText(node, at ? age(at) : "");
  });
}

// A line with a ticking age inside (screen_shape._line: {lead, at, tail}) into the three
// spans of the template's line macro.
export function setLine(node, line) {
  const [lead, when, tail] = node.children;
  setText(lead, line.lead);
  const at = line.at ? String(line.at) : "";
  if (when.dataset.at !== at) when.dataset.at = at;
  setText(when, line.at ? age(line.at) : "");
  setText(tail, line.tail);
}

export const onTick = (fn) => ticks.push(fn);

export function startTicking() {
  const tick = () => ticks.forEach((fn) => fn());
  setInterval(tick, 1000);
  tick();
}
