// What the screen knows: every subscribed team's panels, as the server last said.
// Snapshots replace a team whole (a full resync); updates carry only the changed panels.
"use strict";
window.WB = window.WB || {};
(function (WB) {
  const teams = new Map(); // id -> {id, name, status, version, panels: Map(id -> panel)}
  const listeners = [];

  function remember(team, fresh, old) {
    // A panel that got worse than we last knew is highlighted; turning critical may chime.
    if (old && WB.severity(fresh.status) > WB.severity(old.status)) {
      fresh._worseAt = Date.now();
      if (fresh.status === "crit" && WB.chime) WB.chime(team, fresh);
    } else if (old && old._worseAt) {
      fresh._worseAt = old._worseAt;
    }
    team.panels.set(fresh.id, fresh);
  }

  WB.store = {
    team(id) { return teams.get(id); },
    teams() { return Array.from(teams.values()); },
    panels(id) { const t = teams.get(id); return t ? Array.from(t.panels.values()) : []; },
    onChange(fn) { listeners.push(fn); },

    applySnapshot(msg) {
      const data = msg.data;
      const prev = teams.get(data.id);
      const team = { id: data.id, name: data.name, status: data.status, version: msg.version, panels: new Map() };
      // A fresh snapshot replaces everything (panels gone from the config disappear).
      data.panels.forEach((p) => remember(team, p, prev && prev.panels.get(p.id)));
      teams.set(team.id, team);
      listeners.forEach((fn) => fn(team, "snapshot"));
    },

    applyUpdate(msg) {
      const team = teams.get(msg.team);
      if (!team) return; // an update before its snapshot cannot happen; ignore if it does
      msg.panels.forEach((p) => remember(team, p, team.panels.get(p.id)));
      team.status = msg.status;
      team.version = msg.version;
      listeners.forEach((fn) => fn(team, "update"));
    },
  };
})(window.WB);
