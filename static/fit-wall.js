// Applies static/fit.js's plan to /wall's tiles: position, value size (--f), panel cells per
// line (--k) and shape (data-fit: "stacked" or "folded"). Text widths are measured with the
// page's own bold font, so the plan is made for the glyphs the TV will actually draw.
import { planWall } from "./fit.js";

const canvas = document.createElement("canvas").getContext("2d");

// Width of `text` in em of the bold wall font.
function em(text) {
  canvas.font = 'bold 100px "Wall Sans", "DejaVu Sans", sans-serif';
  return canvas.measureText(text || "").width / 100;
}

function describe(tile, knownTeam, rows) {
  const team = knownTeam(tile.dataset.team);
  const list = team ? rows(team.id) : [];
  const status = team ? team.status : tile.dataset.status;
  const flags = list.filter((p) => p.screen.flag && p.screen.flag.lead).length;
  const calm = status === "ok" && flags === 0;
  const name = tile.querySelector(".tile-name").textContent;
  return {
    id: tile.dataset.team,
    calm,
    rows: Math.max(list.length, tile.querySelectorAll(".row").length, 1),
    flags,
    // The value width plus a small margin: values change between plans (0.12 % -> 12.5 %).
    valueEm: Math.max(3, ...list.map((p) => em(p.display))) + 0.25,
    nameEm: em(name),
    wrong: !calm,
    wrongEm: em(tile.querySelector(".what-wrong").textContent),
    summary: team ? " · " + team.panels.size + " ok" : "",
  };
}

export function fitTiles(grid, knownTeam, rows) {
  const tiles = Array.from(grid.children);
  if (!tiles.length) return;
  grid.classList.add("planned");
  const box = grid.getBoundingClientRect();
  const unit = Math.min(innerWidth * 0.0105, innerHeight * 0.019); // CSS --u
  const teams = tiles.map((tile) => describe(tile, knownTeam, rows));
  const plan = planWall(teams, box.width, box.height, { unit: unit / 20.16 });
  const byId = new Map(tiles.map((tile) => [tile.dataset.team, tile]));
  const place = (spot, fit, k) => {
    const tile = byId.get(spot.id);
    if (!tile) return;
    const style = tile.style;
    style.left = spot.x.toFixed(1) + "px";
    style.top = spot.y.toFixed(1) + "px";
    style.width = spot.w.toFixed(1) + "px";
    style.height = spot.h.toFixed(1) + "px";
    style.setProperty("--f", spot.f.toFixed(2) + "px");
    style.setProperty("--k", String(k));
    if (tile.dataset.fit !== fit) tile.dataset.fit = fit;
  };
  plan.tiles.forEach((spot) => {
    place(spot, spot.stacked ? "stacked" : "line", spot.k);
    const tile = byId.get(spot.id);
    if (tile) tile.dataset.head = spot.twoLineHead ? "two" : "one";
  });
  plan.folded.forEach((spot) => {
    place(spot, "folded", 1);
    const head = byId.get(spot.id).querySelector(".tile-head");
    head.dataset.summary = teams.find((t) => t.id === spot.id).summary;
  });
}
