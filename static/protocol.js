// The server's websocket constants (wallboard/fanout/protocol.py, page_constants): the close
// codes the page acts on and the caps it keeps to. From the page at first, then from every
// hello, so no module holds a copy of its own.
let current = {};

try {
  current = JSON.parse(document.body.dataset.protocol || "{}");
} catch {
  current = {};
}

// A close code by name ("unknown_team"), or undefined if the server named none.
export const closeCode = (name) => (current.close || {})[name];

// A cap by name ("max_report_text"); undefined if the server named none.
export const cap = (name) => current[name];

// Called with each hello's `protocol`.
export function adoptProtocol(next) {
  if (next) current = next;
}
