// What the screen knows: every subscribed team's panels, as the server last said.
// Snapshots replace a team whole (a full resync); updates carry only the changed panels,
// with the team's status and /wall tile rows as a whole.
import { chime } from "./chime.js";
import { highlightMs } from "./settings.js";
import { severity } from "./status.js";

// id -> {id, name, status, state, rank, deploy_note, rows, calm, problem, since, version,
//        panels: Map}
const teams = new Map();
const listeners = [];

function remember(team, fresh, old) {
  // A panel that got worse than we last knew is highlighted; turning critical may chime.
  if (old && severity(fresh.status) > severity(old.status)) {
    fresh.worseAt = Date.now();
    if (fresh.status === "crit") chime();
  } else if (old && old.worseAt && severity(fresh.status) >= severity(old.status)) {
    fresh.worseAt = old.worseAt; // still as bad: the highlight runs its course
  } // a panel that recovers (even partly) stops pulsing at once
  team.panels.set(fresh.id, fresh);
}

function changed(team, kind) {
  listeners.forEach((fn) => fn(team, kind));
}

export const team = (id) => teams.get(id);

export function panels(id) {
  const t = teams.get(id);
  return t ? Array.from(t.panels.values()) : [];
}

// `fn(team, "snapshot" | "update")` after every change of a team.
export const onChange = (fn) => listeners.push(fn);

// A /wall tile's rows: its panels (or the summary of its calm ones), in the server's order.
export function rows(id) {
  const t = teams.get(id);
  if (!t) return [];
  return t.rows.map((row) => (row === "_calm" ? t.calm : t.panels.get(row))).filter(Boolean);
}

// A panel is highlighted for highlight_for seconds after it got worse.
export const highlighted = (p) => Boolean(p.worseAt) && Date.now() - p.worseAt < highlightMs();

export function applySnapshot(msg) {
  const data = msg.data;
  const prev = teams.get(data.id);
  const fresh = {
    id: data.id,
    name: data.name,
    status: data.status,
    state: data.state,
    rank: data.rank,
    deploy_note: data.deploy_note,
    rows: data.rows,
    calm: data.calm,
    problem: data.problem,
    since: data.since,
    version: msg.version,
    panels: new Map(),
  };
  // A fresh snapshot replaces everything (panels gone from the config disappear).
  data.panels.forEach((p) => remember(fresh, p, prev && prev.panels.get(p.id)));
  teams.set(fresh.id, fresh);
  changed(fresh, "snapshot");
}

export function applyUpdate(msg) {
  const known = teams.get(msg.team);
  if (!known) return; // an update before its snapshot cannot happen; ignore if it does
  msg.panels.forEach((p) => remember(known, p, known.panels.get(p.id)));
  known.status = msg.status;
  known.state = msg.state;
  known.rank = msg.rank;
  known.deploy_note = msg.deploy_note;
  known.rows = msg.rows;
  known.calm = msg.calm;
  known.problem = msg.problem;
  known.since = msg.since;
  known.version = msg.version;
  changed(known, "update");
}
