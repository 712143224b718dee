// Deploys on a team screen: "deployed v1.4.2 12 min ago" in the header, and "worse since
// v1.4.2" on a panel that got worse soon after a deploy. The server decides and writes both
// (wallboard/views/screen_shape.py); the header's age ticks like every other age.
import { setLine } from "./clock.js";
import { setText } from "./dom.js";

export function patchWorseSince(section, screen) {
  const note = section.querySelector(".worse-since");
  setText(note, screen.worse_since);
  note.hidden = !screen.worse_since;
}

const EMPTY = { lead: "", at: null, tail: "" };

// The header note of the team on screen; `team` is undefined while its data is on its way.
export function showDeployNote(team) {
  const note = document.querySelector(".deploy-note");
  if (!note) return;
  const line = (team && team.deploy_note) || EMPTY;
  setLine(note, line);
  note.hidden = !line.lead;
  // Beside it, since when the team is at its status ("crit for 12 min").
  setLine(document.querySelector(".team-since"), (team && team.since) || EMPTY, true);
}
