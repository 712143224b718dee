// A team's screen: how many columns its panels take. The value's size is the smallest of
// its scaled size and what the panel holds (wall.css: --v; 26 % of the panel's height, and
// the widest value across its width), so the columns that make the value largest are
// chosen here. A larger ?scale= can then reflow the panels into fewer columns; it never
// makes the value smaller.
const observed = new WeakSet();
const canvas = document.createElement("canvas").getContext("2d");

// The widest value on the screen, in em of the bold wall font (plus its icon and gap).
export function valueEm(container) {
  canvas.font = 'bold 100px "Wall Sans", "DejaVu Sans", sans-serif';
  const widths = Array.from(
    container.querySelectorAll(".panel-value .value"),
    (el) => canvas.measureText(el.textContent || "").width / 100,
  );
  return Math.max(3, ...widths) + 1.6;
}

function panelWidth(cols, box, gap, u) {
  return (box.width - gap * (cols - 1)) / cols - 2.8 * u; // padding and borders
}

function valueSize(cols, n, box, gap, u, scale, em) {
  const rows = Math.ceil(n / cols);
  const height = (box.height - gap * (rows - 1)) / rows - 1.7 * u;
  return Math.min(5.6 * u * scale, 0.26 * height, panelWidth(cols, box, gap, u) / em);
}

// The QR of a troubled team (static/qr.js) takes room the fit leaves it, never a panel's:
// the grid's bottom-right cell (one the panels leave empty, or a cell more) when the QR
// fits in it, else a column on the right. Of the two, the one whose values are larger.
const cellOf = (k, rows, box, gap) => ({
  width: (box.width - gap * (k - 1)) / k,
  height: (box.height - gap * (rows - 1)) / rows,
});

function withQr(k, n, box, gap, u, scale, em, qr, where) {
  const rows = Math.ceil((n + 1) / k);
  const cell = cellOf(k, rows, box, gap);
  const inCell =
    where !== "column" && cell.width >= qr.width && cell.height >= qr.height
      ? { v: valueSize(k, n + 1, box, gap, u, scale, em), qr: "cell" }
      : { v: -1 };
  const narrower = { ...box, width: box.width - qr.width - gap };
  const aside = { v: valueSize(k, n, narrower, gap, u, scale, em), qr: "column", box: narrower };
  return aside.v > inCell.v ? aside : inCell;
}

// The QR's room on the screen (qr.css: --qr-x, --qr-y, a fixed box centred there).
function placeQr(container, style, plan, box, gap) {
  const root = document.body.style;
  if (!plan.qr) {
    ["--qr-x", "--qr-y"].forEach((k) => root.removeProperty(k));
    delete container.dataset.qr;
    delete document.body.dataset.qrAt;
    return;
  }
  container.dataset.qr = plan.qr;
  document.body.dataset.qrAt = plan.qr;
  const rect = container.getBoundingClientRect();
  const right = rect.left + container.clientWidth - parseFloat(style.paddingRight);
  const bottom = rect.top + container.clientHeight - parseFloat(style.paddingBottom);
  const cell = cellOf(plan.cols, plan.rows, box, gap);
  const width = plan.qr === "cell" ? cell.width : plan.qrSize.width;
  const height = plan.qr === "cell" ? cell.height : plan.qrSize.height; // at the bottom
  const x = plan.qr === "cell" ? right - width / 2 : right + gap + width / 2;
  root.setProperty("--qr-x", `${x}px`);
  root.setProperty("--qr-y", `${bottom - height / 2}px`);
}

function qrSize() {
  const qr = document.getElementById("qr");
  if (!qr || qr.hidden || !document.body.dataset.qr) return null;
  return { width: qr.offsetWidth, height: qr.offsetHeight };
}

// Cells the panels leave empty go to the longest lists (a panel two rows high), so no
// cell stays empty while a list shows "+ N more".
function fillCells(sections, container, empty, rows) {
  sections.forEach((s) => s.style.removeProperty("grid-row"));
  container.style.gridAutoFlow = empty > 0 ? "row dense" : "";
  const lists = sections
    .map((s) => ({ s, n: s.querySelectorAll(".items > [data-role='list-row']").length }))
    .filter((l) => l.n > 0)
    .sort((a, b) => b.n - a.n);
  for (const list of lists) {
    if (empty <= 0 || rows < 2) break;
    const span = Math.min(rows, 1 + empty);
    list.s.style.gridRow = `span ${span}`;
    empty -= span - 1;
  }
}

// Calm panels folded into the strip below the grid (static/panels.js) take no cell: they
// sit side by side in the grid's bottom padding, each at most its share of the width. When
// their values do not fit whole side by side (a large ?scale=), the strip takes more lines.
const folded = (s) => s.dataset.folded === "1";

function placeStrip(container, style, gap) {
  const fold = Array.from(container.children).filter(folded);
  const left = parseFloat(style.paddingLeft);
  const width = container.clientWidth - left - parseFloat(style.paddingRight);
  fold.forEach((s) => {
    s.style.removeProperty("bottom");
    s.style.maxWidth = `${width}px`;
  });
  // What each needs at least: its value whole, the title given way (wall.css).
  const need = fold.map(
    (s) => s.scrollWidth - s.querySelector(".panel-title").getBoundingClientRect().width,
  );
  let lines = 1;
  const share = (k) => (width - gap * (k - 1)) / k;
  while (lines < fold.length) {
    const per = Math.ceil(fold.length / lines);
    if (share(per) >= Math.max(0, ...need)) break;
    lines += 1;
  }
  const per = Math.ceil(fold.length / Math.max(lines, 1));
  const bottom = fold.length ? parseFloat(getComputedStyle(fold[0]).bottom) : 0;
  let height = 0;
  fold.forEach((section) => {
    section.style.maxWidth = `${share(per)}px`;
    height = Math.max(height, section.getBoundingClientRect().height);
  });
  let x = left;
  fold.forEach((section, i) => {
    if (i % per === 0) x = left;
    const line = Math.floor(i / per); // the first line on top
    section.style.left = `${x}px`;
    section.style.bottom = `${bottom + (lines - 1 - line) * (height + gap)}px`;
    x += section.getBoundingClientRect().width + gap;
  });
  const strip = fold.length ? lines * (height + gap) : 0;
  container.style.setProperty("--strip", `${strip}px`);
  return strip;
}

// `cols`, when given, is the column count to take (static/panels.js tries others when a
// list has no room for a row); otherwise the one that makes the values largest.
// `where` = "column" keeps the QR out of the grid's cells (static/panels.js, when a list
// needs the cell).
const chosen = new WeakMap(); // container -> [cols, where] it was asked to take, if any

export function fitPanels(container, cols = 0, where = "") {
  chosen.set(container, [cols, where]); // kept when the window is resized
  const sections = Array.from(container.children).filter((s) => !folded(s));
  sections.forEach((s) =>
    ["left", "max-width", "bottom"].forEach((k) => s.style.removeProperty(k)),
  );
  const n = sections.length;
  if (!n) return { n: 0, v: 0 };
  container.style.removeProperty("--qr-room"); // measured without the QR's column
  let style = getComputedStyle(container);
  const gap = parseFloat(style.rowGap) || 0;
  placeStrip(container, style, gap);
  style = getComputedStyle(container); // the strip's room is now bottom padding
  const box = {
    width: container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    height: container.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
  };
  const u = Math.min(innerWidth * 0.0105, innerHeight * 0.019); // wall.css --u
  const scale = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--scale"));
  const em = valueEm(container);
  const want = Math.min(cols, n);
  const qr = qrSize();
  const plan = (k, s) =>
    qr ? withQr(k, n, box, gap, u, s, em, qr, where) : { v: valueSize(k, n, box, gap, u, s, em) };
  let best = { cols: 1, v: -1 };
  // Above ?scale=1, the largest value at ?scale=1: static/panels.js keeps to it.
  let base = 0;
  for (let k = 1; k <= n; k++) {
    if (scale > 1) base = Math.max(base, plan(k, 1).v);
    const fit = plan(k, scale || 1);
    // A tie keeps fewer columns.
    if (k === want || (!want && fit.v > best.v + 0.5)) best = { ...fit, cols: k };
  }
  const cells = best.qr === "cell" ? n + 1 : n;
  const rows = Math.ceil(cells / best.cols);
  const room = best.box || box;
  if (best.qr === "column") container.style.setProperty("--qr-room", `${qr.width + gap}px`);
  container.style.setProperty("--cols", String(best.cols));
  container.style.setProperty("--rows", String(rows));
  fillCells(sections, container, best.cols * rows - cells, rows);
  placeQr(container, getComputedStyle(container), { ...best, rows, qrSize: qr }, room, gap);
  // The widest value fits its panel: no value is ever cut to "1,494 /…".
  container.style.setProperty(
    "--vfit",
    (panelWidth(best.cols, room, gap, u) / em).toFixed(1) + "px",
  );
  if (!observed.has(container)) {
    observed.add(container);
    new ResizeObserver(() => fitPanels(container, ...chosen.get(container))).observe(container);
  }
  return { n, v: best.v, base, qr: best.qr };
}
