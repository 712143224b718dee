// A team's screen (/teams/<team>): the panels of one team, patched in place as the server
// speaks. The page's entry module.
import { startCare } from "./care.js";
import { connect } from "./connection.js";
import { showDeployNote } from "./deploys.js";
import { syncPanels } from "./panels.js";
import "./qr.js"; // the QR of a troubled screen (templates/_qr.html)
import { setStatus } from "./status.js";
import { onChange, panels } from "./store.js";

const container = document.getElementById("panels");
const teamId = document.body.dataset.team;
const demo = document.querySelector(".demo-badge");

onChange((team) => {
  if (team.id !== teamId) return;
  const list = panels(teamId);
  syncPanels(container, list);
  setStatus(team.status, team.state);
  showDeployNote(team);
  demo.hidden = !list.some((p) => p.demo);
});
startCare();
connect();
