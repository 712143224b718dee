// A team's screen: the panels of one team, patched in place as the server speaks.
"use strict";
(function (WB) {
  const panels = document.getElementById("panels");
  const teamId = document.body.dataset.team;
  const demo = document.querySelector(".demo-badge");

  WB.store.onChange((team) => {
    if (team.id !== teamId) return;
    const list = WB.store.panels(teamId);
    WB.syncPanels(panels, list);
    WB.setStatus(team.status);
    demo.hidden = !list.some((p) => p.demo);
  });
  WB.connect();
})(window.WB);
