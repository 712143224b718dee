// /rotate: one socket for all the rotation's teams; shows each in turn for `every` seconds.
// The timer never waits on data, so a team whose source fails is shown (with its badges)
// and passed like any other. The team showing is kept in the URL hash: a reload resumes there.
// The page's entry module.
import { startCare } from "./care.js";
import { onTick } from "./clock.js";
import { connect } from "./connection.js";
import { showDeployNote } from "./deploys.js";
import { setText } from "./dom.js";
import { syncPanels } from "./panels.js";
import { setStatus } from "./status.js";
import { onChange, panels, team as knownTeam } from "./store.js";

const body = document.body;
const container = document.getElementById("panels");
const names = document.querySelectorAll("#rotation-teams li");
const next = document.getElementById("rotation-next");
const teams = body.dataset.teams.split(",");
const every = Number(body.dataset.every) * 1000;
const fromHash = teams.indexOf(decodeURIComponent(location.hash.replace(/^#/, "")));
let index = fromHash >= 0 ? fromHash : 0;
let shownAt = Date.now();

function show() {
  const id = teams[index];
  const team = knownTeam(id);
  body.dataset.team = id;
  setText(document.querySelector(".team-name"), team ? team.name : names[index].textContent);
  const list = panels(id);
  syncPanels(container, list);
  if (team) setStatus(team.status, team.state);
  else setStatus("unknown", "status-unknown");
  showDeployNote(team); // the team on screen's newest deploy, or none while it is unknown
  document.querySelector(".demo-badge").hidden = !list.some((p) => p.demo);
  names.forEach((li, i) => li.classList.toggle("current", i === index));
}

function advance() {
  index = (index + 1) % teams.length;
  shownAt = Date.now();
  history.replaceState(null, "", "#" + encodeURIComponent(teams[index]));
  body.dataset.shown = String(Number(body.dataset.shown || 0) + 1);
  container.replaceChildren(); // another team's panels share ids: start clean, no false highlights
  show();
}

function countdown() {
  if (teams.length < 2) return;
  if (Date.now() - shownAt >= every) advance();
  const left = Math.max(0, Math.ceil((every - (Date.now() - shownAt)) / 1000));
  const upcoming = names[(index + 1) % teams.length].textContent;
  setText(next, "next: " + upcoming + " in " + left + " s");
}

onChange((team) => {
  names.forEach((li, i) => {
    if (teams[i] === team.id) li.className = (i === index ? "current " : "") + team.state;
  });
  if (team.id === teams[index]) show();
});
if (index !== 0) {
  container.replaceChildren();
  show();
}
startCare();
onTick(countdown);
connect();
