// Sparklines a person can read: faint warn/crit lines when they lie in or near the range,
// a tick with the short version at every deploy, and the span the line covers ("last 1 h").
// Mirrors wallboard/board/sparkline.py (the server-rendered first paint); keep them in step.
"use strict";
window.WB = window.WB || {};
(function (WB) {
  const SVG = "http://www.w3.org/2000/svg";

  // [low, high, drawn thresholds] or null with fewer than 2 known values.
  WB.sparkScale = function (values, thresholds) {
    const known = values.filter((v) => v !== null && v !== undefined);
    if (known.length < 2) return null;
    let low = Math.min(...known), high = Math.max(...known);
    const reach = Math.max(high - low, Math.abs(high) * 0.5);
    const drawn = thresholds.filter((t) => t !== null && t !== undefined && t >= low - reach && t <= high + reach);
    if (drawn.length) { low = Math.min(low, ...drawn); high = Math.max(high, ...drawn); }
    return [low, high, drawn];
  };

  WB.sparkLevel = (v, low, high) => 24 - (v - low) / ((high - low) || 1) * 22 - 1;

  function child(parent, tag, cls, ns) {
    let node = parent.querySelector(":scope > ." + cls);
    if (!node) {
      node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
      node.setAttribute("class", cls);
      if (ns) parent.insertBefore(node, parent.firstChild); else parent.appendChild(node);
    }
    return node;
  }

  function sparkLine(x1, y1, x2, y2, cls) {
    const line = document.createElementNS(SVG, "line");
    line.setAttribute("class", cls);
    line.setAttribute("x1", x1); line.setAttribute("x2", x2);
    line.setAttribute("y1", y1); line.setAttribute("y2", y2);
    return line;
  }

  // The x (0..100) of a deploy on the line, or null when it is older than the line.
  function deployX(p, at) {
    if (!p.spark_from || !p.spark_to || at < p.spark_from) return null;
    return Math.min(100, (at - p.spark_from) / ((p.spark_to - p.spark_from) || 1) * 100);
  }

  WB.drawSpark = function (section, p) {
    const svg = section.querySelector("svg.spark");
    const values = p.spark || [];
    const t = p.thresholds || {};
    const scaled = WB.sparkScale(values, [t.warn, t.crit]);
    const line = svg.querySelector("polyline");
    let points = "";
    if (scaled) {
      const step = 100 / Math.max(values.length - 1, 1);
      points = values.map((v, i) => (v === null || v === undefined ? null
        : (i * step).toFixed(1) + "," + WB.sparkLevel(v, scaled[0], scaled[1]).toFixed(1))).filter(Boolean).join(" ");
    }
    if (line.getAttribute("points") !== points) line.setAttribute("points", points);
    const deploys = (p.deploys || []).map((d) => [d, deployX(p, d.at)]).filter(([, x]) => x !== null);
    const key = JSON.stringify([points, deploys.map(([d, x]) => [d.short, x.toFixed(1)]), p.spark_span]);
    if (svg.dataset.marks === key) return;
    svg.dataset.marks = key;
    const marks = child(svg, "g", "spark-marks", true);
    const lines = [];
    if (scaled) {
      for (const name of ["warn", "crit"]) {
        if (t[name] === null || t[name] === undefined || !scaled[2].includes(t[name])) continue;
        const y = WB.sparkLevel(t[name], scaled[0], scaled[1]).toFixed(2);
        const th = sparkLine(0, y, 100, y, "spark-threshold " + name);
        th.dataset.threshold = name;
        lines.push(th);
      }
    }
    const notes = section.querySelector(".spark-notes") || (() => {
      const div = WB.el("div", "spark-notes");
      svg.after(div);
      return div;
    })();
    const span = section.querySelector(".spark-span") || section.appendChild(WB.el("span", "spark-span"));
    const labels = [];
    for (const [d, x] of deploys) {
      const tick = sparkLine(x.toFixed(2), 0, x.toFixed(2), 24, "spark-deploy");
      tick.dataset.version = d.short;
      lines.push(tick);
      // Labels near an edge hang inwards so they stay whole inside the panel.
      const edge = x > 90 ? " at-end" : x < 10 ? " at-start" : "";
      const label = WB.el("span", "deploy-tick" + edge, d.short);
      label.style.left = x.toFixed(2) + "%";
      labels.push(label);
    }
    marks.replaceChildren(...lines);
    WB.setText(span, p.spark_span || "");
    notes.replaceChildren(...labels);
  };
})(window.WB);
