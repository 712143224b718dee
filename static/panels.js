// A team's panels, kept in step with the data in place (no node churn on a TV that runs for
// days). The markup is templates/_panel.html's, cloned from its <template>; the texts are
// the server's (screen_shape.screen_panel), copied with textContent.
import { setLine } from "./clock.js";
import { patchWorseSince } from "./deploys.js";
import { fillOnce, fromTemplate, setClass, setText, syncChildren } from "./dom.js";
import { fitPanels, valueEm } from "./fit-panels.js";
import { patchSpark } from "./spark.js";
import { highlighted } from "./store.js";

function filled(name, text, cls) {
  const node = fromTemplate(name);
  if (cls) setClass(node, cls);
  setText(node, text);
  return node;
}

// An incident's link: an href only when the server gave one (it checked the scheme).
function patchLink(a, link) {
  if (!a) return;
  if (link) a.setAttribute("href", link);
  else a.removeAttribute("href");
  a.hidden = !link;
}

function patchItems(list, screen) {
  fillOnce(list, [screen.items, screen.more], () => {
    const rows = screen.items.map((it) => {
      const li = fromTemplate("item");
      setClass(li, it.class);
      setText(li.querySelector(".item-title"), it.title);
      setText(li.querySelector(".item-detail"), it.detail);
      setLine(li.querySelector(".item-since"), it.since, true);
      patchLink(li.querySelector(".item-link"), it.link);
      return li;
    });
    if (screen.more) rows.push(filled("item-more", screen.more));
    list.replaceChildren(...rows);
  });
}

// Bring one panel element up to date with `p` (a panel of a snapshot or update).
export function patchPanel(section, p) {
  const screen = p.screen;
  const worse = highlighted(p);
  setClass(section, screen.class + (worse ? " worsened" : ""));
  section.dataset.panel = p.id;
  section.dataset.status = p.status;
  if (worse) section.dataset.worseAt = String(p.worseAt);
  else delete section.dataset.worseAt;
  setText(section.querySelector(".panel-title"), p.title);
  setText(section.querySelector(".value"), p.display);
  const state = section.querySelector(".panel-state");
  fillOnce(state, screen.badges, () =>
    state.replaceChildren(...screen.badges.map((b) => filled("badge", b.text, b.class))),
  );
  patchSpark(section, screen); // line, threshold lines, deploy ticks, span label
  patchItems(section.querySelector(".items"), screen);
  screens.set(section, screen);
  patchWorseSince(section, screen);
  const oncall = section.querySelector(".oncall-note");
  setText(oncall, screen.oncall || "");
  oncall.hidden = !screen.oncall;
  setLine(section.querySelector(".since"), screen.since, true);
  setLine(section.querySelector(".updated"), screen.updated);
}

// A list shows the rows that fit whole, then "+N more" (the server's words for each count,
// screen.more_after): never a row cut in half, never rows hidden without saying so.
function fitItems(section, screen) {
  const list = section.querySelector(".items");
  if (!list) return;
  list.querySelectorAll("[data-fitted]").forEach((node) => node.remove());
  const rows = Array.from(list.children).filter((li) => li.dataset.role === "list-row");
  rows.forEach((li) => {
    if (li.hidden) li.hidden = false;
  });
  let more = list.querySelector(".item-more");
  if (more) setText(more, screen.more);
  // A list's rows matter more than its "updated" line: that goes first when room is short.
  const updated = section.querySelector(".updated");
  if (updated) updated.hidden = false;
  const over = () =>
    list.scrollHeight > list.clientHeight + 1 || section.scrollHeight > section.clientHeight + 1;
  if (!rows.length || !over()) return;
  if (updated) updated.hidden = true;
  if (!over()) return;
  if (!more) {
    more = filled("item-more", "");
    more.dataset.fitted = "1";
    list.appendChild(more);
  }
  // The most rows that fit, found by halving (a list only grows with its rows): each try
  // is a forced layout, about 4 for 12 rows instead of up to 12 one row at a time.
  const showFirst = (k) => {
    rows.forEach((li, i) => {
      if (li.hidden !== i >= k) li.hidden = i >= k;
    });
    setText(more, screen.more_after[k]);
  };
  let shown = 0;
  let most = rows.length - 1; // all of them are over (above)
  while (shown < most) {
    const k = Math.ceil((shown + most) / 2);
    showFirst(k);
    if (over()) most = k - 1;
    else shown = k;
  }
  showFirst(shown);
  // "+ 1 more" takes the line the row would: the row says more. (Only when the list has
  // no "+ N more" of the server's: rows past those sent are not here to show.)
  if (shown === rows.length - 1 && !screen.more) {
    rows[shown].hidden = false;
    more.remove();
  }
}

const screens = new WeakMap(); // panel element -> its screen texts, for refits on resize
const watched = new WeakSet();

function fitAllItems(container) {
  Array.from(container.children).forEach((section) => {
    const screen = screens.get(section);
    if (screen) fitItems(section, screen);
  });
}

// Lists with rows that show none of them ("+ 12 more" alone): they have too little room.
function starved(container) {
  return Array.from(container.children).filter((section) => {
    const rows = Array.from(section.querySelectorAll(".items > [data-role='list-row']"));
    return rows.length > 0 && rows.every((li) => li.hidden);
  }).length;
}

const calm = (section) =>
  section.dataset.status === "ok" && !section.matches(".is-stale, .has-error");

function setFolded(section, on) {
  if (on && section.dataset.folded !== "1") section.dataset.folded = "1";
  else if (!on && section.dataset.folded) delete section.dataset.folded;
}

const hiddenRows = (container) =>
  container.querySelectorAll(".items > [data-role='list-row'][hidden]").length;

function fit(container, cols, where) {
  const grid = fitPanels(container, cols, where);
  fitAllItems(container);
  return grid;
}

const VALUE_GIVES = 0.8; // a list's hidden rows are worth a fifth of the values' size

// The grid, then each list's rows. When a list has no room for its first row (a large
// ?scale=), the calm panels fold into a strip of "title value" below the grid, so fewer,
// larger panels share the screen. While a list still hides rows, another column count is
// taken if it shows more of them: any, when a list shows none; else one whose values keep
// VALUE_GIVES of their size and are no smaller than at ?scale=1 (the first, the fewest
// columns, on a tie).
function layout(container) {
  const sections = Array.from(container.children);
  sections.forEach((s) => setFolded(s, false));
  let grid = fit(container);
  if (!hiddenRows(container)) return;
  let where = "";
  if (starved(container) && grid.qr === "cell") {
    // The QR gives its cell back to the lists before any panel folds (a column instead),
    // if the values stay as large as at ?scale=1.
    const aside = fit(container, 0, "column");
    if (!starved(container) && aside.v >= grid.base - 0.5) {
      where = "column";
      grid = aside;
    } else grid = fit(container);
  }
  const fold = sections.filter(calm);
  if (starved(container) && fold.length && fold.length < sections.length) {
    fold.forEach((s) => setFolded(s, true));
    grid = fit(container, 0, where);
  }
  const score = () => [starved(container), hiddenRows(container)];
  const better = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  let best = { cols: 0, score: score() };
  for (let cols = 1; cols <= grid.n && best.score[1]; cols++) {
    const { v } = fit(container, cols, where);
    const now = score();
    // A larger ?scale= never takes values below those of ?scale=1 for more rows.
    const keeps = v >= VALUE_GIVES * grid.v && v >= grid.base - 0.5;
    if (better(now, best.score) && (now[0] < best.score[0] || keeps)) {
      best = { cols, score: now };
    }
  }
  fit(container, best.cols, where);
}

// What a layout of `container` depends on, as the panels' patches left it: each panel's id,
// classes and status and every text, except those that change on every update or tick:
// values and ages count by the width they draw at, the sparkline's span label by being
// there. An update that changes none of it (a value's digits, an age) keeps the layout:
// re-fitting a team page of 8 panels with 12 alerts forced 56 layouts and took 240 ms of
// this machine's main thread, every update (bench/screen_cost.py).
const LOOSE = ".since, .updated, .item-since";
const laidOut = new WeakMap(); // container -> its shape as its last layout left it

function shape(container) {
  const parts = [valueEm(container).toFixed(2)];
  for (const section of container.children) {
    parts.push(section.dataset.panel, section.className.replace(" worsened", ""));
    parts.push(section.dataset.status);
    const walk = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const text = walk.currentNode;
      const parent = text.parentElement;
      if (parent.closest("[data-fitted], .value")) continue; // a layout's own, or counted above
      // The span label lies over the sparkline: only whether it is there moves a text.
      if (parent.closest(".spark-span")) parts.push("span");
      else parts.push(parent.closest(LOOSE) ? String(text.length) : text.data);
    }
  }
  return parts.join("\u0000");
}

// The shape is read after the layout: the "+N more" it wrote counts as the page's own.
function relayout(container) {
  layout(container);
  laidOut.set(container, shape(container));
}

// Make `container` hold exactly `panels` in order, reusing elements by panel id.
export function syncPanels(container, panels) {
  syncChildren(container, panels, {
    nodeKey: (node) => node.dataset.panel,
    key: (p) => p.id,
    create: () => fromTemplate("panel"),
    patch: patchPanel,
  });
  container.dataset.count = String(panels.length);
  if (laidOut.get(container) !== shape(container)) relayout(container);
  if (!watched.has(container)) {
    watched.add(container);
    const again = () => relayout(container);
    new ResizeObserver(again).observe(container);
    document.addEventListener("qr", again); // static/qr.js: shown or hidden
    document.fonts.addEventListener("loadingdone", again); // the texts' real widths
  }
}
