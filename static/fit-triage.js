// /wall triage: with teams in trouble, the troubled tiles lead and each answers, in this
// order and size, who (the name), what is wrong, since when; then its failing values, its
// healthy panels folded into one "4 ok" line. Calm teams fold into the strip below.
//
// Sizes never drop below the four-metre floors (at 1080p: failing value 48 px, so name
// 40.8, what is wrong 32, since 24; calm names 28). When the troubled tiles do not all fit
// at those sizes, the wall pages through them ("troubled 1–6 of 9"). Pure arithmetic, as
// static/fit.js, whose row heights (in em of the value size f) wall.css also uses.
import { foldStrip, foldedSpots, layoutTiles } from "./fit.js";

const NAME = 0.85; // the team's name, in f
const WRONG = 0.67; // what is wrong
const SINCE = 0.5; // since when, the "4 ok" line, row titles and flags
const LINE = 1.12;
const ICON = 0.9;
const CHAR = 0.55;
const TITLE_CHARS = 6;
const WRONG_EM = 10; // what is wrong may end in an ellipsis, after this many em
const MAX_COLUMNS = 4;
const CELL = 0.21; // a failing value's rule and padding on its left (wall.css)
const BETWEEN = 0.25; // room between two failing values side by side (and CELL, and a title)
const UNDER = 0.12; // and one above the other
const SINCE_EM = 9.5; // "warn for 59 min", in em of the since line's bold font
export const PAGE_MS = 10000; // each page of troubled tiles shows this long

// The largest f for one troubled tile of w x h, trying 1..4 cells per line, "title value"
// on one line or stacked, since when below what is wrong or (a wide tile) at its end.
function triageFont(w, h, team, pad) {
  const width = w - 2 * pad;
  const height = h - 2 * pad;
  let best = { f: 0, k: 1, stacked: false, beside: false };
  if (width <= 0 || height <= 0) return best;
  for (const beside of [false, true]) {
    const fit = headFont(width, height, team, beside);
    if (fit.f > best.f) best = { ...fit, beside };
  }
  return best;
}

function headFont(width, height, team, beside) {
  let best = { f: 0, k: 1, stacked: false };
  const head = (NAME + WRONG + (beside ? 0 : SINCE)) * LINE + (team.ok ? SINCE * LINE : 0);
  const wrong = WRONG * (Math.min(team.wrongEm, WRONG_EM) + 1.5);
  const across = Math.min(
    width / (NAME * (team.nameEm + 1.6)),
    width / (wrong + (beside ? SINCE * SINCE_EM + 0.5 : 0)),
  );
  const cells = Math.max(team.failing, 1);
  for (const stacked of [false, true]) {
    const rowHeight = (stacked ? LINE + 0.6 * LINE : LINE) + UNDER;
    const cellWidth =
      CELL +
      (stacked
        ? Math.max(team.valueEm, ICON + TITLE_CHARS * CHAR * SINCE)
        : ICON + team.valueEm + TITLE_CHARS * CHAR * SINCE + 0.4); // two 0.2em gaps
    for (let k = 1; k <= Math.min(MAX_COLUMNS, cells); k++) {
      const lines = Math.ceil(cells / k) * rowHeight + Math.ceil(team.flags / k) * SINCE * LINE;
      const wide = width / (k * cellWidth + (k - 1) * BETWEEN);
      const f = Math.min(height / (head + lines), wide, across);
      if (f > best.f) best = { f, k, stacked };
    }
  }
  return best;
}

// Troubled tiles, worst first: a short row leads, and no tile's type is larger than that of
// a team in worse trouble (a lone warn tile in the last row would otherwise read largest).
function lay(teams, width, height, gap, pad) {
  const laid = layoutTiles(
    teams.map((t) => ({ ...t, troubled: true, weight: 1 })),
    0,
    0,
    width,
    height,
    gap,
    pad,
    triageFont,
    true,
  );
  const severity = new Map(teams.map((t) => [t.id, t.severity ?? 0]));
  const tiles = laid.tiles.map((tile) => {
    const worse = laid.tiles.filter((o) => severity.get(o.id) > severity.get(tile.id));
    return { ...tile, f: Math.min(tile.f, ...worse.map((o) => o.f)) };
  });
  return { min: laid.min, tiles };
}

// `list` in pages of at most `n`, as even as they come (9 by 8: 5 and 4, not 8 and 1).
function chunks(list, n) {
  const size = Math.ceil(list.length / Math.ceil(list.length / n));
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// troubled, calm: teams as planWall takes them, plus `failing` (rows that fail) and `ok`
// (a "N ok" line). Returns planWall's {tiles, folded} and {pager: {first, last, total}}
// when the troubled teams take more than one page; `opts.page` picks the page shown.
export function planTriage(troubled, calm, width, height, opts) {
  const { unit, gap, pad } = opts;
  const minF = 48 * unit * (opts.scale ?? 1);
  const font = 28 * unit * (opts.scale ?? 1);
  const strip = foldStrip(calm, width, font);
  const room = height - (strip.height ? strip.height + gap : 0);
  const top = lay(troubled, width, room, gap, pad);
  const pagerHeight = SINCE * minF * LINE + gap;
  const fits = (n) =>
    chunks(troubled, n).every((page) => lay(page, width, room - pagerHeight, gap, pad).min >= minF);
  // Fewer tiles per page until every page reads at the floor (one tile at least).
  let perPage = troubled.length;
  if (top.min < minF && perPage > 1) {
    perPage -= 1;
    while (perPage > 1 && !fits(perPage)) perPage -= 1;
  }
  const folded = foldedSpots(calm, strip, width, height, font);
  if (perPage === troubled.length) return { tiles: top.tiles, folded, pager: null };
  const pages = chunks(troubled, perPage);
  const index = (opts.page ?? 0) % pages.length;
  const shown = lay(pages[index], width, room - pagerHeight, gap, pad);
  const tiles = shown.tiles.map((t) => ({ ...t, y: t.y + pagerHeight }));
  const first = pages.slice(0, index).reduce((n, page) => n + page.length, 0) + 1;
  const pager = { first, last: first + pages[index].length - 1, total: troubled.length };
  const hidden = troubled.filter((t) => !pages[index].includes(t)).map((t) => t.id);
  return { tiles, folded, pager, hidden, pagerHeight };
}
