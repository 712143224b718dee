// Looking after a TV that runs for days: the clock, ticking ages, ?scale=, burn-in drift,
// night dimming, ending highlights and the daily soft reload. Settings: ScreenSettings.
import { clockText, onTick, serverNow, startTicking, tickAges } from "./clock.js";
import { setText } from "./dom.js";
import { reloadIfServerUp } from "./reload.js";
import { highlightMs, onConfigure, settings, within } from "./settings.js";

const body = document.body;
const root = document.documentElement;
let nextDrift = 0;
let softReloadAt = null;

function nextSoftReload(hhmm) {
  if (!hhmm) return null;
  const at = new Date();
  const [h, m] = hhmm.split(":").map(Number);
  at.setHours(h, m, 0, 0);
  if (at.getTime() <= Date.now()) at.setDate(at.getDate() + 1);
  // Up to two minutes of jitter: a room of TVs does not reload in the same second.
  return at.getTime() + Math.random() * 120000;
}

function configured(next, previous) {
  if (previous === null || previous.soft_reload_at !== next.soft_reload_at) {
    softReloadAt = nextSoftReload(next.soft_reload_at);
  }
  if (!nextDrift) nextDrift = Date.now() + (next.drift_every || 180) * 1000;
}

function applyScale() {
  const scale = Number(new URLSearchParams(location.search).get("scale"));
  if (scale >= 0.5 && scale <= 3) root.style.setProperty("--scale", String(scale));
}

function drift() {
  const s = settings();
  if (!s.drift_pixels || Date.now() < nextDrift) return;
  nextDrift = Date.now() + s.drift_every * 1000;
  const px = () => Math.round((Math.random() * 2 - 1) * s.drift_pixels);
  document.getElementById("stage").style.transform = `translate(${px()}px, ${px()}px)`;
}

function dim(now) {
  const s = settings();
  // Never dim a screen that has something critical to say.
  const on = within(s.dim_from, s.dim_until, now) && !body.classList.contains("status-crit");
  if (on) root.style.setProperty("--dim", String(s.dim_brightness));
  body.classList.toggle("dimmed", on);
}

function softReload() {
  if (softReloadAt === null || Date.now() < softReloadAt) return;
  softReloadAt = Date.now() + 60000; // if the server is down, try again in a minute
  reloadIfServerUp("scheduled").then((done) => {
    if (!done) softReloadAt = Date.now() + 60000;
  });
}

function endHighlights() {
  document.querySelectorAll(".worsened").forEach((node) => {
    if (Date.now() - Number(node.dataset.worseAt || 0) > highlightMs()) {
      node.classList.remove("worsened");
    }
  });
}

function everySecond() {
  const clock = document.getElementById("clock");
  if (clock) setText(clock, clockText(serverNow()));
  tickAges();
  endHighlights();
  drift();
  dim(new Date());
  softReload();
}

// Start looking after the screen; every page entry calls this once.
export function startCare() {
  configured(settings(), null);
  onConfigure(configured);
  applyScale();
  onTick(everySecond);
  startTicking();
}
