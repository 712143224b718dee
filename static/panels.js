// A team's panels, kept in step with the data in place (no node churn on a TV that runs for
// days). The markup is templates/_panel.html's, cloned from its <template>; the texts are
// the server's (screen_shape.screen_panel), copied with textContent.
import { setLine } from "./clock.js";
import { patchWorseSince } from "./deploys.js";
import { fillOnce, fromTemplate, setClass, setText, syncChildren } from "./dom.js";
import { fitPanels } from "./fit-panels.js";
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
  let shown = rows.length;
  while (shown > 0 && over()) {
    shown -= 1;
    rows[shown].hidden = true;
    setText(more, screen.more_after[shown]);
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

// Make `container` hold exactly `panels` in order, reusing elements by panel id.
export function syncPanels(container, panels) {
  syncChildren(container, panels, {
    nodeKey: (node) => node.dataset.panel,
    key: (p) => p.id,
    create: () => fromTemplate("panel"),
    patch: patchPanel,
  });
  container.dataset.count = String(panels.length);
  fitPanels(container);
  fitAllItems(container);
  if (!watched.has(container)) {
    watched.add(container);
    new ResizeObserver(() => fitAllItems(container)).observe(container);
  }
}
