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
// With `form` "for", a duration ("3 min", in "crit for 3 min").
export function age(ts, form = "ago") {
  const s = Math.max(0, Math.round(serverNow() / 1000 - ts));
  let text = Math.round(s / 86400) + " days";
  if (s < 90) text = s + " s";
  else if (s < 5400) text = Math.round(s / 60) + " min";
  else if (s < 172800) text = Math.round(s / 3600) + " h";
  return form === "for" ? text : text + " ago";
}

// Every `.age[data-at]` in `root` says how long ago its moment was.
export function tickAges(root = document) {
  root.querySelectorAll(".age[data-at]").forEach((node) => {
    const at = Number(node.dataset.at);
    setText(node, at ? age(at, node.dataset.form) : "");
  });
}

// A line with a ticking age inside (screen_shape._line: {lead, at, tail}) into the three
// spans of the template's line macro.
// With `hide`, a line without a lead is hidden (the macro's `hide`).
export function setLine(node, line, hide = false) {
  const [lead, when, tail] = node.children;
  setText(lead, line.lead);
  const at = line.at ? String(line.at) : "";
  const form = line.form || "ago";
  if (when.dataset.at !== at) when.dataset.at = at;
  if (when.dataset.form !== form) when.dataset.form = form;
  setText(when, line.at ? age(line.at, form) : "");
  setText(tail, line.tail);
  if (hide && node.hidden !== !line.lead) node.hidden = !line.lead;
}

export const onTick = (fn) => ticks.push(fn);

export function startTicking() {
  const tick = () => ticks.forEach((fn) => fn());
  setInterval(tick, 1000);
  tick();
}
