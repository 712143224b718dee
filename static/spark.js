// A sparkline a person can read: faint warn/crit lines, a tick with the short version at
// every deploy, the span the line covers ("last 1 h"). The server places every mark
// (wallboard/views/sparkline.py, screen_shape.spark_marks); this only copies them into the
// markup of templates/_panel.html, cloned from its <template>s.
import { fillOnce, fromTemplate, setClass, setText } from "./dom.js";

// SVG elements are kept inside an <svg> in their <template> (to stay in the SVG namespace).
const svgChild = (name) => fromTemplate(name).firstElementChild;

function thresholdLine(t) {
  const line = svgChild("threshold");
  setClass(line, t.class);
  line.dataset.threshold = t.name;
  line.setAttribute("y1", t.y);
  line.setAttribute("y2", t.y);
  return line;
}

function deployMark(d) {
  const line = svgChild("deploy-mark");
  line.dataset.version = d.version;
  line.setAttribute("x1", d.x);
  line.setAttribute("x2", d.x);
  return line;
}

function deployLabel(d) {
  const text = svgChild("deploy-label");
  setClass(text, d.label_class);
  text.setAttribute("x", d.x + "%");
  setText(text, d.label);
  return text;
}

// Bring a panel's sparkline, its deploy labels and span label up to date with `screen`.
export function patchSpark(section, screen) {
  const runs = section.querySelector(".spark-line");
  fillOnce(runs, screen.lines, () =>
    runs.replaceChildren(
      ...screen.lines.map((points) => {
        const line = svgChild("spark-line");
        line.setAttribute("points", points);
        return line;
      }),
    ),
  );
  const marks = section.querySelector(".spark-marks");
  fillOnce(marks, [screen.thresholds, screen.ticks], () =>
    marks.replaceChildren(...screen.thresholds.map(thresholdLine), ...screen.ticks.map(deployMark)),
  );
  const notes = section.querySelector(".spark-notes");
  fillOnce(notes, screen.ticks, () => notes.replaceChildren(...screen.ticks.map(deployLabel)));
  setText(section.querySelector(".spark-span"), screen.span);
}
