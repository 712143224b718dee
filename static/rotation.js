// A room's rotation (/rooms/<id>): the server chose this page and when its slot ends
// (wallboard/views/rotation.py). Reload then, and at once when the rotation's trouble
// changes with focus = "trouble": the server puts the team that just turned crit on
// screen. The position lives on the server, so a reload lands where the rotation is.
import { onTick, serverNow } from "./clock.js";
import { setText } from "./dom.js";
import { onChange, team } from "./store.js";

const body = document.body;
const ends = Number(body.dataset.rotationEnds) * 1000;
const watched = body.dataset.rotationTeams.split(",");
const focus = body.dataset.focus === "trouble";
const troubled = new Set(body.dataset.troubled ? body.dataset.troubled.split(",") : []);
const next = document.getElementById("rotation-next");
const SETTLE_MS = 250; // past the slot's end: the server's clock has moved on too

function leave() {
  if (body.dataset.leaving) return;
  body.dataset.leaving = "1";
  location.reload();
}

// The crit teams differ from those the page was rendered for (once every team is known).
function troubleChanged() {
  const known = watched.map((id) => team(id));
  if (known.some((t) => !t)) return false;
  const now = known.filter((t) => t.status === "crit").map((t) => t.id);
  return now.length !== troubled.size || now.some((id) => !troubled.has(id));
}

if (focus) {
  onChange(() => {
    if (troubleChanged()) leave();
  });
}
setTimeout(leave, Math.max(0, ends - serverNow() + SETTLE_MS));
onTick(() => {
  const left = ends - serverNow();
  if (left < -SETTLE_MS * 4) leave(); // the timer was late (a suspended tab, a clock step)
  const seconds = Math.max(0, Math.ceil(left / 1000));
  setText(next, "next: " + body.dataset.next + " in " + seconds + " s");
});
