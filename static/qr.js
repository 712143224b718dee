// The QR of a troubled screen ([screen] qr_codes = true): the team shown (a team page), or
// the worst troubled team on the page a wall shows. It points at a signed link that
// is asked for again every few minutes (screens/mobile.py). Statuses come from the server.
import { onTick } from "./clock.js";
import { setText } from "./dom.js";
import { settings } from "./settings.js";
import { onChange, team as knownTeam } from "./store.js";

const box = document.getElementById("qr");
const img = document.getElementById("qr-code");
const caption = document.getElementById("qr-label");
const REFRESH_MS = 5 * 60 * 1000;
const TROUBLE = new Set(["crit", "warn"]);
const seen = new Set();

function target() {
  const own = document.body.dataset.team;
  if (own) return knownTeam(own);
  const only = document.body.dataset.only ? document.body.dataset.only.split(",") : null;
  let best = null;
  // A wall that pages through its troubled teams: the worst team on the page shown, so
  // the QR never names a team the screen does not show.
  const offPage = (id) =>
    document.querySelector(`.tile[data-team="${CSS.escape(id)}"][data-fit="paged"]`);
  seen.forEach((id) => {
    const t = knownTeam(id);
    if (!t || (only && !only.includes(id)) || offPage(id)) return;
    if (!best || t.rank < best.rank) best = t;
  });
  return best;
}

function update() {
  const t = target();
  const show = Boolean(settings().qr_codes && t && TROUBLE.has(t.status));
  const changed = box.hidden !== !show;
  if (changed) {
    box.hidden = !show;
    // The screen makes room for it (static/qr.css, static/fit-panels.js): the QR never
    // covers a value.
    if (show) document.body.dataset.qr = "1";
    else delete document.body.dataset.qr;
  }
  if (!show) {
    if (changed) document.dispatchEvent(new Event("qr"));
    return;
  }
  const turn = Math.floor(Date.now() / REFRESH_MS);
  const src = "/qr/teams/" + encodeURIComponent(t.id) + ".svg?v=" + turn;
  if (img.getAttribute("src") !== src) img.setAttribute("src", src);
  box.dataset.qrTeam = t.id;
  const label = "Scan: " + t.name + " on your phone";
  const relabel = caption.textContent !== label;
  setText(caption, label);
  // A team page refits its panels around the QR's room once its size is known.
  if (changed || relabel) document.dispatchEvent(new Event("qr"));
}

if (box) {
  // Above the stage, not in it: the stage clips, and the QR sits in the room its fit
  // left free (static/qr.css).
  document.body.append(box);
  onChange((t) => {
    seen.add(t.id);
    update();
  });
  onTick(update);
  document.addEventListener("wall-planned", update);
}
