// Draws panels and keeps them in step with the data, in place (no node churn on a TV that
// runs for days). Every upstream string is set with textContent, never parsed as HTML.
"use strict";
window.WB = window.WB || {};
(function (WB) {
  const SVG = "http://www.w3.org/2000/svg";
  const SEVERITY = { ok: 0, unknown: 1, warn: 2, crit: 3 };
  const MAX_ITEMS = 6;

  WB.severity = (status) => (status in SEVERITY ? SEVERITY[status] : 1);
  // Server time in ms: ages are computed against the server's clock, not the TV's.
  WB.time = { offset: 0, now() { return Date.now() + this.offset; } };

  WB.el = function (tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  // Rewrites an existing text node in place: ticking clocks and ages make no garbage nodes.
  WB.setText = function (node, text) {
    const value = text === undefined || text === null ? "" : String(text);
    if (node.textContent === value) return;
    const only = node.firstChild;
    if (only && only === node.lastChild && only.nodeType === Node.TEXT_NODE) only.data = value;
    else node.textContent = value;
  };

  WB.icon = function () {
    const span = WB.el("span", "status-icon");
    span.setAttribute("aria-hidden", "true");
    return span;
  };

  WB.sparkPoints = function (values) {
    const known = [];
    values.forEach((v, i) => { if (v !== null && v !== undefined) known.push([i, v]); });
    if (known.length < 2) return "";
    const vs = known.map((k) => k[1]);
    const low = Math.min(...vs), high = Math.max(...vs), span = (high - low) || 1;
    const step = 100 / Math.max(values.length - 1, 1);
    return known.map(([i, v]) => (i * step).toFixed(1) + "," + (24 - (v - low) / span * 22 - 1).toFixed(1)).join(" ");
  };

  WB.age = function (ts) {
    const s = Math.max(0, Math.round(WB.time.now() / 1000 - ts));
    if (s < 90) return s + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 172800) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  };

  // The "updated 40 s ago" line; refreshed every second from its data attributes.
  WB.updatedText = function (node) {
    const ts = Number(node.dataset.updated);
    let text = ts ? (node.dataset.error ? "last good value, updated " : "updated ") + WB.age(ts) : "waiting for data";
    if (node.dataset.demo) text += " · demo data";
    return text;
  };

  function statusClasses(p, base) {
    return base + " status-" + p.status + (p.stale ? " is-stale" : "") + (p.error ? " has-error" : "");
  }

  function stateKey(p) {
    return [p.stale ? 1 : 0, p.error || "", p.config_error ? 1 : 0].join("|");
  }

  function patchState(node, p) {
    const key = stateKey(p);
    if (node.dataset.key === key) return;
    node.dataset.key = key;
    const badges = [];
    if (p.stale) badges.push(WB.el("span", "stale-badge", "◷ STALE"));
    if (p.error) badges.push(WB.el("span", "error-badge", (p.config_error ? "⚙ config error: " : "⚠ source error: ") + p.error));
    node.replaceChildren(...badges);
  }

  function patchItems(list, items) {
    const key = JSON.stringify(items.slice(0, MAX_ITEMS).map((it) => [it.title, it.status, it.detail])) + items.length;
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    const rows = items.slice(0, MAX_ITEMS).map((it) => {
      const li = WB.el("li", "item status-" + it.status);
      li.append(WB.icon(), WB.el("span", "item-title", it.title), document.createTextNode(" "), WB.el("span", "item-detail", it.detail));
      return li;
    });
    if (items.length > MAX_ITEMS) rows.push(WB.el("li", "item item-more", "+ " + (items.length - MAX_ITEMS) + " more"));
    list.replaceChildren(...rows);
  }

  // The skeleton of templates/_panel.html; patchPanel fills it.
  WB.createPanel = function (p) {
    const section = WB.el("section", "panel");
    section.dataset.panel = p.id;
    const value = WB.el("div", "panel-value");
    value.append(WB.icon(), WB.el("span", "value"));
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 100 24");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    svg.appendChild(document.createElementNS(SVG, "polyline"));
    section.append(WB.el("h2", "panel-title"), value, WB.el("div", "panel-state"), svg, WB.el("ul", "items"), WB.el("p", "updated"));
    return section;
  };

  // Bring one panel element up to date with ``p`` (a panel of views.panel_view).
  WB.patchPanel = function (section, p) {
    const cls = statusClasses(p, "panel") + (WB.highlighted(p) ? " worsened" : "");
    if (section.className !== cls) section.className = cls;
    section.dataset.status = p.status;
    section.dataset.worseAt = p._worseAt || "";
    WB.setText(section.querySelector(".panel-title"), p.title);
    WB.setText(section.querySelector(".value"), p.display);
    patchState(section.querySelector(".panel-state"), p);
    WB.drawSpark(section, p); // static/spark.js: line, thresholds, deploy ticks, span
    patchItems(section.querySelector(".items"), p.items || []);
    WB.drawDeploys(section, p); // static/deploys.js: "worse since v1.4.2"
    const updated = section.querySelector(".updated");
    updated.dataset.updated = p.updated_at || "";
    updated.dataset.error = p.error ? "1" : "";
    updated.dataset.demo = p.demo ? "1" : "";
    WB.setText(updated, WB.updatedText(updated));
  };

  // Make ``container`` hold exactly ``panels`` in order, reusing elements by panel id.
  WB.syncPanels = function (container, panels) {
    const existing = new Map();
    for (const child of container.children) existing.set(child.dataset.panel, child);
    let cursor = container.firstElementChild;
    for (const p of panels) {
      let node = existing.get(p.id);
      existing.delete(p.id);
      if (!node) node = WB.createPanel(p);
      WB.patchPanel(node, p);
      if (node !== cursor) container.insertBefore(node, cursor);
      else cursor = cursor.nextElementSibling;
    }
    existing.forEach((node) => node.remove());
    container.dataset.count = String(panels.length);
  };

  // A panel is highlighted for highlight_for seconds after it got worse (see store.js).
  WB.highlighted = function (p) {
    const seconds = (WB.settings && WB.settings.highlight_for) || 15;
    return Boolean(p._worseAt) && Date.now() - p._worseAt < seconds * 1000;
  };

  // The header's team status: the body's class, the badge's class, icon and word.
  WB.setStatus = function (status) {
    document.body.className = document.body.className.replace(/\bstatus-\w+/, "status-" + status);
    const badge = document.querySelector(".team-status");
    if (badge) {
      badge.className = "team-status status-" + status;
      WB.setText(badge.querySelector(".status-text"), status);
    }
  };
})(window.WB);
