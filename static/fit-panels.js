// A team's screen: how many columns its panels take. The value's size is the smallest of
// its scaled size and what the panel holds (wall.css: --v; 26 % of the panel's height, and
// the widest value across its width), so the columns that make the value largest are
// chosen here. A larger ?scale= can then reflow the panels into fewer columns; it never
// makes the value smaller.
const observed = new WeakSet();
const canvas = document.createElement("canvas").getContext("2d");

// The widest value on the screen, in em of the bold wall font (plus its icon and gap).
function valueEm(container) {
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
// sit side by side in the grid's bottom padding, each at most its share of the width.
const folded = (s) => s.dataset.folded === "1";

function placeStrip(container, style, gap) {
  const fold = Array.from(container.children).filter(folded);
  const left = parseFloat(style.paddingLeft);
  const width = container.clientWidth - left - parseFloat(style.paddingRight);
  const share = (width - gap * (fold.length - 1)) / Math.max(fold.length, 1);
  let x = left;
  let height = 0;
  for (const section of fold) {
    section.style.maxWidth = `${share}px`;
    section.style.left = `${x}px`;
    const box = section.getBoundingClientRect();
    x += box.width + gap;
    height = Math.max(height, box.height);
  }
  const strip = fold.length ? height + gap : 0;
  container.style.setProperty("--strip", `${strip}px`);
  return strip;
}

// `cols`, when given, is the column count to take (static/panels.js tries others when a
// list has no room for a row); otherwise the one that makes the values largest.
const chosen = new WeakMap(); // container -> the column count it was asked to take, if any

export function fitPanels(container, cols = 0) {
  chosen.set(container, cols); // kept when the window is resized
  const sections = Array.from(container.children).filter((s) => !folded(s));
  sections.forEach((s) => ["left", "max-width"].forEach((k) => s.style.removeProperty(k)));
  const n = sections.length;
  if (!n) return { n: 0, v: 0 };
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
  let best = { cols: 1, v: -1 };
  for (let k = 1; k <= n; k++) {
    const v = valueSize(k, n, box, gap, u, scale || 1, em);
    if (k === want || (!want && v > best.v + 0.5)) best = { cols: k, v }; // a tie keeps fewer
  }
  const rows = Math.ceil(n / best.cols);
  container.style.setProperty("--cols", String(best.cols));
  container.style.setProperty("--rows", String(rows));
  fillCells(sections, container, best.cols * rows - n, rows);
  // The widest value fits its panel: no value is ever cut to "1,494 /…".
  container.style.setProperty(
    "--vfit",
    (panelWidth(best.cols, box, gap, u) / em).toFixed(1) + "px",
  );
  if (!observed.has(container)) {
    observed.add(container);
    new ResizeObserver(() => fitPanels(container, chosen.get(container))).observe(container);
  }
  return { n, v: best.v };
}
