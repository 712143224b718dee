// The screen's settings (ScreenSettings on the server): from the page at first, then from
// every hello, so a config reload reaches screens without a page reload.
const listeners = [];
let current = {};

export const settings = () => current;

// `fn(next, previous)` runs on every change of settings.
export const onConfigure = (fn) => listeners.push(fn);

export function configure(next) {
  const previous = current;
  current = next || {};
  listeners.forEach((fn) => fn(current, previous));
}

// How long a panel that got worse stays highlighted, in ms.
export const highlightMs = () => (current.highlight_for || 15) * 1000;

function minutesOfDay(hhmm) {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

// Is the TV's local time within [from, until)? The window may cross midnight.
export function within(from, until, date) {
  if (!from || !until) return false;
  const now = date.getHours() * 60 + date.getMinutes();
  const a = minutesOfDay(from);
  const b = minutesOfDay(until);
  return a <= b ? now >= a && now < b : now >= a || now < b;
}

try {
  current = JSON.parse(document.body.dataset.screen || "{}");
} catch {
  current = {};
}
