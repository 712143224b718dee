// /wall auto-fit: where each team's tile goes and how large its type is, from the number
// of teams and panels and the viewport. Pure arithmetic on sizes (no DOM), so the same
// plan is reached on every TV of the same size. A wall of more than four teams with some
// in trouble is planned for triage instead (static/fit-triage.js).
//
// Type is sized for reading at 4 m: the value is the unit `f` of a tile; its other texts
// are fixed fractions of it (title and "what is wrong" 0.62 f, team name 0.8 f).
// Troubled teams (crit, warn, unknown, stale, failing) come first and get wider tiles;
// when the wall is crowded, calm teams fold into one line each in a strip at the bottom.

const TITLE = 0.5; // row title, flag and "what is wrong" lines, in units of f
const NAME = 0.55; // team name, with "what is wrong" beside it on the same line
const LINE = 1.12; // line height (digits have no descenders)
const CHAR = 0.55; // average glyph width of a title's letters, in em
const ICON = 0.9; // the status icon and its gap
const ICON_SIZE = 0.6; // a stacked cell's status icon, on the title's line
const TITLE_CHARS = 6; // a row title keeps at least this many characters before its ellipsis
const MAX_COLUMNS = 4; // panel cells side by side inside one tile

// The largest value size `f` for one tile, trying 1..4 cells side by side, two cell shapes
// ("title  value" on one line, or the title stacked above the value) and, for a troubled
// team, "what is wrong" beside its name or on a line of its own. The heights here are the
// ones wall.css gives the rows (in em of f), so the plan and the page agree.
function tileFont(w, h, team, pad) {
  const width = w - 2 * pad;
  const height = h - 2 * pad;
  let best = { f: 0, k: 1, stacked: false, twoLineHead: false };
  if (width <= 0 || height <= 0) return best;
  const valueWidth = ICON + team.valueEm;
  const titleWidth = TITLE_CHARS * CHAR * TITLE;
  // Name and what is wrong side by side need this many f of width.
  // (the icon and gaps are 1.6 em of the name's size)
  const inlineHead = NAME * (team.nameEm + 1.6) + (team.wrong ? TITLE * (team.wrongEm + 1.5) : 0);
  for (const twoLineHead of team.wrong ? [false, true] : [false]) {
    const head = NAME * LINE + (twoLineHead ? TITLE * LINE : 0);
    for (const stacked of [false, true]) {
      const rowHeight = stacked ? LINE + ICON_SIZE * LINE : LINE;
      // Stacked, the icon sits on the title's line and the value has the cell's whole width.
      const cellWidth = stacked
        ? Math.max(team.valueEm, ICON + titleWidth)
        : valueWidth + titleWidth + 0.5;
      for (let k = 1; k <= Math.min(MAX_COLUMNS, Math.max(team.rows, 1)); k++) {
        const lines =
          Math.ceil(team.rows / k) * rowHeight + Math.ceil(team.flags / k) * TITLE * LINE;
        let f = Math.min(height / (head + lines), (width - (k - 1) * pad) / k / cellWidth);
        if (!twoLineHead) f = Math.min(f, width / inlineHead);
        else
          f = Math.min(
            f,
            width / (TITLE * (team.wrongEm + 1.5)),
            width / (NAME * (team.nameEm + 1.6)),
          );
        if (f > best.f) best = { f, k, stacked, twoLineHead };
      }
    }
  }
  return best;
}

// Split `teams` (in order) into `rows` rows of about equal weight. `front`: a short row
// goes first, not last, so the teams listed first (the worst) get the wider tiles.
function splitRows(teams, rows, front = false) {
  if (front) {
    return splitRows(teams.slice().reverse(), rows)
      .map((row) => row.reverse())
      .reverse();
  }
  const total = teams.reduce((s, t) => s + t.weight, 0);
  const out = [];
  let row = [];
  let acc = 0;
  teams.forEach((t, i) => {
    row.push(t);
    acc += t.weight;
    const left = teams.length - i - 1;
    const rowsLeft = rows - out.length - 1;
    if (rowsLeft > 0 && (acc >= (total * (out.length + 1)) / rows || left === rowsLeft)) {
      out.push(row);
      row = [];
    }
  });
  if (row.length) out.push(row);
  return out;
}

// Lays `teams` out in rows of tiles; `font(w, h, team, pad)` sizes one tile ({f, ...}).
export function layoutTiles(
  teams,
  x0,
  y0,
  width,
  height,
  gap,
  pad,
  font = tileFont,
  front = false,
) {
  let best = null;
  for (let rows = 1; rows <= teams.length; rows++) {
    const lines = splitRows(teams, rows, front);
    const h = (height - gap * (lines.length - 1)) / lines.length;
    const tiles = [];
    let y = y0;
    for (const line of lines) {
      const weight = line.reduce((s, t) => s + t.weight, 0);
      const free = width - gap * (line.length - 1);
      let x = x0;
      for (const t of line) {
        const w = (free * t.weight) / weight;
        const fit = font(w, h, t, pad);
        tiles.push({
          id: t.id,
          x,
          y,
          w,
          h,
          troubled: t.troubled,
          ...fit, // f, k, stacked, twoLineHead
        });
        x += w + gap;
      }
      y += h + gap;
    }
    const min = Math.min(...tiles.map((t) => t.f));
    if (!best || min > best.min) best = { min, tiles };
  }
  return best || { min: 0, tiles: [] };
}

// The strip of folded calm teams: one line each, as many per line as fit.
export function foldStrip(folded, width, font) {
  if (!folded.length) return { height: 0, perLine: 0 };
  const chip = (Math.max(...folded.map((t) => t.nameEm)) + 5.5) * font; // name, icon, " · 6 ok"
  const perLine = Math.max(1, Math.floor(width / chip));
  return { height: Math.ceil(folded.length / perLine) * font * LINE, perLine };
}

// teams: [{id, calm, rows, flags, valueEm, nameEm, wrong}] worst first; `valueEm` is the
// widest value's width and `nameEm` the name's, in em of the bold font.
// Returns {tiles: [{id, x, y, w, h, f, k}], folded: [{id, x, y, w, h, f}]}, in CSS px.
export function planWall(teams, width, height, opts = {}) {
  const unit = opts.unit ?? width / 1920;
  const gap = opts.gap ?? 16 * unit;
  const pad = opts.pad ?? 18 * unit; // the tile's padding and borders
  const minValue = opts.minValue ?? 32 * unit; // the smallest value worth showing at 4 m
  const minTroubled = opts.minTroubled ?? 48 * unit;
  // Troubled teams get wider tiles when that costs the smallest type little (10 %): among
  // the layouts within 10 % of the best, the one whose troubled tiles read largest.
  const options = [2, 1.5, 1].map((weight) => {
    const option = teams.map((t) => ({ ...t, troubled: !t.calm, weight: t.calm ? 1 : weight }));
    const laid = layoutTiles(option, 0, 0, width, height, gap, pad);
    const troubledF = Math.min(...laid.tiles.filter((t) => t.troubled).map((t) => t.f), Infinity);
    return { laid, option, troubledF: Number.isFinite(troubledF) ? troubledF : laid.min };
  });
  const best = Math.max(...options.map((o) => o.laid.min));
  const chosen = options
    .filter((o) => o.laid.min >= best * 0.9)
    .reduce((a, b) => (b.troubledF > a.troubledF ? b : a));
  const plain = chosen.laid;
  const weighed = chosen.option;
  const calm = weighed.filter((t) => t.calm);
  const troubled = weighed.filter((t) => !t.calm);
  const plainTroubled = Math.min(
    ...plain.tiles.filter((t) => t.troubled).map((t) => t.f),
    Infinity,
  );
  // Crowded: type below the targets, or troubled teams that do not read clearly larger
  // than the calm ones around them.
  const calmLargest = Math.max(...plain.tiles.filter((t) => !t.troubled).map((t) => t.f), 0);
  const crowded =
    plain.min < minValue || plainTroubled < minTroubled || plainTroubled < calmLargest * 1.2;
  if (!crowded || !troubled.length || !calm.length || teams.length <= 4) {
    return { tiles: plain.tiles, folded: [] };
  }
  const font = Math.max(minValue * 0.85, 28 * unit);
  const strip = foldStrip(calm, width, font);
  const top = layoutTiles(troubled, 0, 0, width, height - strip.height - gap, gap, pad);
  return { tiles: top.tiles, folded: foldedSpots(calm, strip, width, height, font) };
}

// The calm teams' chips in the strip at the bottom of the wall.
export function foldedSpots(calm, strip, width, height, font) {
  const chipWidth = width / Math.max(1, strip.perLine);
  return calm.map((t, i) => ({
    id: t.id,
    x: (i % strip.perLine) * chipWidth,
    y: height - strip.height + Math.floor(i / strip.perLine) * font * LINE,
    w: chipWidth,
    h: font * LINE,
    f: font,
  }));
}
