// Applies static/fit.js's plan to /wall's tiles: position, value size (--f), panel cells per
// line (--k) and shape (data-fit: "stacked" or "folded"). Text widths are measured with the
// page's own bold font, so the plan is made for the glyphs the TV will actually draw.
import { planWall } from "./fit.js";
import { PAGE_MS, planTriage } from "./fit-triage.js";
import { setText } from "./dom.js";
import { severity } from "./status.js";

const pager = document.getElementById("pager");

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
  const ok = list.some((p) => p.id === "_calm");
  return {
    id: tile.dataset.team,
    calm,
    failing: Math.max(list.length - (ok ? 1 : 0), 1),
    ok,
    rows: Math.max(list.length, tile.querySelectorAll(".row").length, 1),
    flags,
    // The value width plus a small margin: values change between plans (0.12 % -> 12.5 %).
    valueEm: Math.max(3, ...list.map((p) => em(p.display))) + 0.25,
    nameEm: em(name),
    wrong: !calm,
    severity: severity(status),
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
  // ?scale= multiplies the floors (and the calm names): a larger scale pages sooner, it
  // never draws smaller type.
  const scale = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--scale"));
  const opts = { unit: unit / 20.16 };
  const troubled = teams.filter((t) => !t.calm);
  const page = Math.floor(Date.now() / PAGE_MS);
  const plan = troubled.length
    ? planTriage(
        troubled,
        teams.filter((t) => t.calm),
        box.width,
        box.height,
        {
          ...opts,
          gap: 16 * opts.unit,
          pad: 18 * opts.unit,
          page,
          scale: scale || 1,
        },
      )
    : planWall(teams, box.width, box.height, opts);
  showPager(plan, box);
  const triage = new Set(plan.pager !== undefined ? troubled.map((t) => t.id) : []);
  const hidden = new Set(plan.hidden || []);
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
    // A wide troubled tile says since when at the end of what is wrong, a line saved.
    if (tile) tile.dataset.head = spot.beside ? "beside" : spot.twoLineHead ? "two" : "one";
  });
  tiles.forEach((tile) => {
    const id = tile.dataset.team;
    if (triage.has(id)) tile.dataset.triage = "1";
    else delete tile.dataset.triage;
    if (hidden.has(id)) tile.dataset.fit = "paged";
  });
  plan.folded.forEach((spot) => {
    place(spot, "folded", 1);
    const head = byId.get(spot.id).querySelector(".tile-head");
    head.dataset.summary = teams.find((t) => t.id === spot.id).summary;
  });
  // Which teams the page shows may have changed: the QR follows at once (static/qr.js).
  document.dispatchEvent(new Event("wall-planned"));
}

// "troubled 1–6 of 9" above the tiles while the troubled teams take turns.
function showPager(plan, box) {
  if (!pager) return;
  pager.hidden = !plan.pager;
  if (!plan.pager) return;
  setText(pager.querySelector(".pager-first"), String(plan.pager.first));
  setText(pager.querySelector(".pager-last"), String(plan.pager.last));
  setText(pager.querySelector(".pager-total"), String(plan.pager.total));
  pager.style.left = box.left.toFixed(1) + "px";
  pager.style.top = box.top.toFixed(1) + "px";
  pager.style.height = plan.pagerHeight.toFixed(1) + "px";
}

// Whether the wall is paging through its troubled teams (then it replans every tick).
export const paging = () => Boolean(pager && !pager.hidden);
