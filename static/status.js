// Statuses on the screen: their order comes from the server (board.SEVERITY, written into
// the page), so the screen sorts and highlights by the same order as everything else.
import { setText } from "./dom.js";

const ORDER = JSON.parse(document.body.dataset.severity || '["ok","unknown","warn","crit"]');

export function severity(status) {
  const at = ORDER.indexOf(status);
  return at >= 0 ? at : ORDER.indexOf("unknown");
}

// The header's status: the body's class, the badge's class, icon and word. `state` is the
// server's class list for it ("status-crit").
export function setStatus(status, state) {
  const body = document.body;
  body.className = body.className.replace(/\bstatus-\w+/, state);
  const badge = document.querySelector(".team-status");
  if (badge) {
    badge.className = "team-status " + state;
    setText(badge.querySelector(".status-text"), status);
  }
}
