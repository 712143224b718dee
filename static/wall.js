// /wall: every team on one screen as a tile, the worst first, and the sources' own problems
// (failures, warnings such as unlabelled alerts) in the footer. The page's entry module.
// Tiles and rows are templates/_panel.html's, cloned from its <template>s; the rows (with the
// calm panels folded) and the footer lines come formatted from the server.
import { startCare } from "./care.js";
import { fitTiles, paging } from "./fit-wall.js";
import { onTick, setLine } from "./clock.js";
import { connect } from "./connection.js";
import { fromTemplate, setClass, setText, syncChildren } from "./dom.js";
import { setStatus } from "./status.js";
import "./qr.js"; // the QR of a troubled screen (templates/_qr.html)
import { highlighted, onChange, panels, rows, team as knownTeam } from "./store.js";

const body = document.body;
const grid = document.getElementById("teams");
const foot = document.getElementById("sources");
// Sources change with collections: refresh soon after news, and every 15 s regardless.
const FOOT_EVERY = 15000;
const FOOT_AFTER_NEWS = 2000;
let footAt = 0;
let footNews = false;
// A rotation's wall page hears every team of the rotation; it draws only its own (rooms).
const only = body.dataset.only ? new Set(body.dataset.only.split(",")) : null;

// A row: a panel, or the tile's summary of its calm panels (screen_shape.tile_rows).
function patchRow(li, p) {
  setClass(li, p.screen.row_class);
  li.dataset.panel = p.id;
  setText(li.querySelector(".row-title"), p.title);
  setText(li.querySelector(".row-value"), p.display);
  setLine(li.querySelector(".row-flag"), p.screen.flag);
}

function patchTile(tile, team) {
  const worse = panels(team.id).reduce(
    (at, p) => (highlighted(p) ? Math.max(at, p.worseAt) : at),
    0,
  );
  setClass(tile, "tile " + team.state + (worse ? " worsened" : ""));
  tile.dataset.team = team.id;
  tile.dataset.status = team.status;
  tile.dataset.rank = String(team.rank);
  if (worse) tile.dataset.worseAt = String(worse);
  else delete tile.dataset.worseAt;
  setText(tile.querySelector(".tile-name"), team.name);
  setText(tile.querySelector(".what-wrong"), team.problem);
  setLine(tile.querySelector(".since"), team.since, true);
  syncChildren(tile.querySelector(".rows"), rows(team.id), {
    nodeKey: (li) => li.dataset.panel,
    key: (p) => p.id,
    create: () => fromTemplate("row"),
    patch: patchRow,
  });
}

// Worst first, ties in config order: by the rank the server sends (views/order.py), the
// order of every other list of teams.
function resort() {
  const tiles = Array.from(grid.children);
  const sorted = tiles.slice().sort((a, b) => Number(a.dataset.rank) - Number(b.dataset.rank));
  // Move only what is out of place: fewer layout changes on a slow TV.
  sorted.forEach((tile, i) => {
    if (grid.children[i] !== tile) grid.insertBefore(tile, grid.children[i]);
  });
  grid.dataset.count = String(tiles.length);
  fitTiles(grid, knownTeam, rows);
  const top = sorted[0] && knownTeam(sorted[0].dataset.team);
  if (top) setStatus(top.status, top.state); // a tile not yet in the store is as rendered
}

onChange((team) => {
  if (only && !only.has(team.id)) return;
  let tile = grid.querySelector('[data-team="' + CSS.escape(team.id) + '"]');
  if (!tile) {
    tile = fromTemplate("tile");
    grid.appendChild(tile);
  }
  patchTile(tile, team);
  resort();
  footNews = true;
});

// The footer's lines (pages.foot_lines), as the server wrote them.
function renderFoot(data) {
  foot.replaceChildren(
    ...data.lines.map((line) => {
      const note = fromTemplate("note");
      setClass(note, line.class);
      setText(note, line.text);
      return note;
    }),
  );
  if (data.notes.length) delete foot.dataset.clear;
  else foot.dataset.clear = "1";
}

function refreshFoot() {
  const since = Date.now() - footAt;
  const due = since >= FOOT_EVERY || (footNews && since >= FOOT_AFTER_NEWS);
  if (body.dataset.connected !== "1" || !due) return;
  footNews = false;
  footAt = Date.now();
  fetch(body.dataset.sources, { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then(renderFoot, () => {
      footAt = Date.now() - FOOT_EVERY + 3000;
    });
}

onTick(refreshFoot);
// Highlights end with time, not only with data.
onTick(() =>
  Array.from(grid.children).forEach((tile) => {
    const team = knownTeam(tile.dataset.team);
    if (team) patchTile(tile, team);
  }),
);
// Troubled teams taking turns: the next page when its time comes.
onTick(() => {
  if (paging()) fitTiles(grid, knownTeam, rows);
});
// A TV that changes resolution, or a window resized by hand, gets a new plan.
new ResizeObserver(() => fitTiles(grid, knownTeam, rows)).observe(grid);
startCare();
connect();
