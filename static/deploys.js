// Deploys on a team screen: "deployed v1.4.2 12 min ago" in the header, and "worse since
// v1.4.2" on a panel that got worse soon after a deploy (the server decides which).
"use strict";
window.WB = window.WB || {};
(function (WB) {
  WB.drawDeploys = function (section, p) {
    let note = section.querySelector(".worse-since");
    if (!note) {
      note = WB.el("p", "worse-since");
      section.insertBefore(note, section.querySelector(".updated"));
    }
    const text = p.worse_since ? "worse since " + p.worse_since : "";
    WB.setText(note, text);
    note.hidden = !text;
  };

  // The header note of the team on screen (a rotating screen changes body.dataset.team):
  // its newest deploy, with an age that ticks. Before any data, the server's first paint.
  function refresh() {
    const note = document.querySelector(".deploy-note");
    if (!note) return;
    const id = document.body.dataset.team;
    if (id && WB.store && WB.store.team(id)) {
      const first = WB.store.panels(id).find((p) => p.deploys && p.deploys.length);
      const last = first ? first.deploys[0] : null;
      note.dataset.at = last ? String(last.at) : "";
      note.dataset.version = last ? last.short : "";
    }
    const at = Number(note.dataset.at);
    note.hidden = !at;
    if (at) WB.setText(note, "deployed " + note.dataset.version + " " + WB.age(at));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (WB.store) WB.store.onChange(refresh);
    refresh();
    setInterval(refresh, 1000);
  });
})(window.WB);
