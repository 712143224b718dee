// /wall: every team on one screen as a tile, the worst first, and the sources' own
// problems (failures, warnings such as unlabelled alerts) in the footer.
"use strict";
(function (WB) {
  const body = document.body;
  const grid = document.getElementById("teams");
  const foot = document.getElementById("sources");
  const order = new Map(); // team id -> its place in the config, to break ties stably
  Array.from(grid.children).forEach((tile, i) => order.set(tile.dataset.team, i));
  // Sources change with collections: refresh soon after news, and every 15 s regardless.
  const FOOT_EVERY = 15000;
  const FOOT_AFTER_NEWS = 2000;
  let footAt = 0, footNews = false;

  function createTile(team) {
    const tile = WB.el("section", "tile");
    tile.dataset.team = team.id;
    const head = WB.el("h2", "tile-head");
    head.append(WB.icon(), WB.el("span", "tile-name"));
    tile.append(head, WB.el("ul", "rows"));
    return tile;
  }

  function flag(p) {
    if (p.error) return "⚠ " + p.error;
    if (p.stale) return "◷ stale, " + (p.updated_at ? "updated " + WB.age(p.updated_at) : "no data");
    return "";
  }

  // A tile with many panels keeps its problems and folds the calm ones into one row
  // (web.py: tile_rows does the same for the first render).
  const CALM_AFTER = 6;
  function tileRows(panels) {
    if (panels.length <= CALM_AFTER) return panels;
    const calm = panels.filter((p) => p.status === "ok" && !p.stale && !p.error);
    if (calm.length < 2) return panels; // folding one row into one row gains nothing
    const summary = { id: "_calm", status: "ok", title: calm.length + " more panels ok", display: "" };
    return panels.filter((p) => !calm.includes(p)).concat([summary]);
  }

  function patchRows(list, panels) {
    const rows = new Map();
    for (const li of list.children) rows.set(li.dataset.panel, li);
    panels.forEach((p, i) => {
      let li = rows.get(p.id);
      rows.delete(p.id);
      if (!li) {
        li = WB.el("li", "row");
        li.dataset.panel = p.id;
        li.append(WB.icon(), WB.el("span", "row-title"), WB.el("span", "row-value"), WB.el("span", "row-flag"));
      }
      const cls = "row status-" + p.status + (p.stale ? " is-stale" : "") + (p.error ? " has-error" : "");
      if (li.className !== cls) li.className = cls;
      WB.setText(li.children[1], p.title);
      WB.setText(li.children[2], p.display);
      WB.setText(li.children[3], flag(p));
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    rows.forEach((li) => li.remove());
  }

  function patchTile(tile, team) {
    const panels = WB.store.panels(team.id);
    const worse = panels.reduce((at, p) => (WB.highlighted(p) ? Math.max(at, p._worseAt) : at), 0);
    const cls = "tile status-" + team.status + (worse ? " worsened" : "");
    if (tile.className !== cls) tile.className = cls;
    tile.dataset.status = team.status;
    tile.dataset.worseAt = worse || "";
    WB.setText(tile.querySelector(".tile-name"), team.name);
    patchRows(tile.querySelector(".rows"), tileRows(panels));
  }

  function rank(tile) {
    return [-WB.severity(tile.dataset.status), order.has(tile.dataset.team) ? order.get(tile.dataset.team) : 999];
  }

  function resort() {
    const tiles = Array.from(grid.children);
    const sorted = tiles.slice().sort((a, b) => {
      const ra = rank(a), rb = rank(b);
      return ra[0] - rb[0] || ra[1] - rb[1];
    });
    // Move only what is out of place: fewer layout changes on a slow TV.
    sorted.forEach((tile, i) => { if (grid.children[i] !== tile) grid.insertBefore(tile, grid.children[i]); });
    grid.dataset.count = String(tiles.length);
    const top = sorted[0];
    WB.setStatus(top ? top.dataset.status : "unknown");
  }

  WB.store.onChange((team) => {
    let tile = grid.querySelector('[data-team="' + CSS.escape(team.id) + '"]');
    if (!tile) {
      tile = createTile(team);
      if (!order.has(team.id)) order.set(team.id, order.size);
      grid.appendChild(tile);
    }
    patchTile(tile, team);
    resort();
    footNews = true;
  });

  function renderNotes(data) {
    const notes = data.notes.map((n) => WB.el("span", "note note-" + n.level, (n.level === "error" ? "✖ " : "▲ ") + n.source + ": " + n.text));
    if (!notes.length) notes.push(WB.el("span", "note note-ok", "✔ " + (data.sources === 1 ? "the source is" : "all " + data.sources + " sources") + " collecting"));
    if (data.offline_screens) notes.push(WB.el("span", "note note-warning offline-screens", "▲ " + data.offline_screens + " screen" + (data.offline_screens === 1 ? "" : "s") + " offline")); // fleet view (device.js)
    foot.replaceChildren(...notes);
    foot.dataset.clear = data.notes.length ? "" : "1";
  }

  function refreshFoot() {
    const since = Date.now() - footAt;
    if (body.dataset.connected !== "1" || (since < FOOT_EVERY && !(footNews && since >= FOOT_AFTER_NEWS))) return;
    footNews = false;
    footAt = Date.now();
    fetch(body.dataset.sources, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then(renderNotes, () => { footAt = Date.now() - FOOT_EVERY + 3000; });
  }

  WB.onTick(refreshFoot);
  // Ages and highlights move with time, not only with data.
  WB.onTick(() => Array.from(grid.children).forEach((tile) => {
    const team = WB.store.team(tile.dataset.team);
    if (team) patchTile(tile, team);
  }));
  WB.connect();
})(window.WB);
