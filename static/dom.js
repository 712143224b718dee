// The page's markup lives in the templates (templates/_panel.html), written once: the server
// renders it, and also emits it as <template> elements that these helpers clone and fill.
// Every upstream string is set with textContent, never parsed as HTML.

// Rewrites an existing text node in place: ticking clocks and ages make no garbage nodes.
export function setText(node, text) {
  const value = text === undefined || text === null ? "" : String(text);
  if (node.textContent === value) return;
  const only = node.firstChild;
  if (only && only === node.lastChild && only.nodeType === Node.TEXT_NODE) only.data = value;
  else node.textContent = value;
}

export function setClass(node, value) {
  if (node.getAttribute("class") !== value) node.setAttribute("class", value);
}

// What each node was last filled from: an unchanged list is not rebuilt (no node churn on
// a TV that runs for days).
const filledFrom = new WeakMap();

// Run `fill` unless `node` was last filled from equal `data`.
export function fillOnce(node, data, fill) {
  const key = JSON.stringify(data);
  if (filledFrom.get(node) === key) return;
  filledFrom.set(node, key);
  fill();
}

// A fresh copy of the first element of <template id="tpl-NAME">.
export function fromTemplate(name) {
  const template = document.getElementById("tpl-" + name);
  return template.content.firstElementChild.cloneNode(true);
}

// Make `container` hold one element per entry of `list`, in order, reusing the element whose
// `nodeKey(element)` equals `key(entry)`; `create(entry)` makes a missing one, `patch(node,
// entry)` fills it. Only out-of-place elements move: fewer layout changes on a slow TV.
export function syncChildren(container, list, { nodeKey, key, create, patch }) {
  const existing = new Map();
  for (const child of container.children) existing.set(nodeKey(child), child);
  list.forEach((entry, i) => {
    const id = key(entry);
    let node = existing.get(id);
    existing.delete(id);
    if (!node) node = create(entry);
    patch(node, entry);
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
  });
  existing.forEach((node) => node.remove());
}
