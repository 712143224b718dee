// The fleet view: every screen of the last 24 h from /api/v1/screens, refreshed every two
// seconds. Everything a screen reported (its name, page errors) is hostile: textContent only.
const rows = document.getElementById("fleet-rows");
const summary = document.getElementById("fleet-summary");
const approveForm = document.getElementById("approve");
const approveMessage = document.getElementById("approve-message");
const movePages = document.getElementById("move-pages");
const confirming = new Set(); // ids whose Revoke was clicked once
const moveTo = new Map(); // id -> page chosen in its select
// Each cell names its column: on a phone a row is a card and the table head is hidden.
const labels = Array.from(document.querySelectorAll("#fleet thead th"), (th) => th.textContent);

function cell(tr, text, className) {
  const td = document.createElement("td");
  td.dataset.label = labels[tr.children.length] || "";
  td.textContent = text === null || text === undefined ? "–" : String(text);
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

function when(unix) {
  if (!unix) return "–";
  return new Date(unix * 1000).toLocaleString([], { hour12: false });
}

function mib(bytes) {
  return bytes === null || bytes === undefined ? "–" : (bytes / 1048576).toFixed(1) + " MiB";
}

function post(path, body) {
  return fetch("/api/v1/screens" + path, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  }).then((response) =>
    response.json().then(
      (answer) => ({ ok: response.ok, answer: answer }),
      () => ({ ok: response.ok, answer: null }),
    ),
  );
}

function act(id, action, body) {
  return post("/" + encodeURIComponent(id) + "/" + action, body).then(refresh);
}

function button(td, label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = label.toLowerCase().split(" ")[0];
  b.addEventListener("click", onClick);
  td.appendChild(b);
  return b;
}

function row(s) {
  const tr = document.createElement("tr");
  tr.dataset.id = s.id;
  tr.dataset.status = s.status;
  if (s.status === "offline") tr.className = "is-offline";
  const name = cell(tr, s.name || "(unnamed)", "screen-name");
  if (!s.paired) {
    const mark = document.createElement("span");
    mark.className = "unpaired";
    mark.textContent = " unpaired";
    name.appendChild(mark);
  }
  cell(tr, s.status, "state-" + s.status.replace(/ /g, "-"));
  cell(tr, s.page + (s.teams.length ? " · " + s.teams.join(", ") : ""));
  cell(tr, s.paired ? when(s.paired_at) + (s.approved_by ? " (" + s.approved_by + ")" : "") : "–");
  cell(tr, when(s.connected_at));
  cell(tr, s.last_pong_age === null ? "–" : s.last_pong_age + " s ago");
  cell(tr, s.behind_bytes + " B · " + s.coalesced);
  cell(
    tr,
    s.build ? s.build + (s.old_build ? " (old build)" : "") : "–",
    s.old_build ? "old-build" : "",
  );
  cell(tr, (s.viewport ? s.viewport.join("×") : "–") + " · " + (s.scale === null ? "–" : s.scale));
  cell(tr, mib(s.heap_bytes) + " · " + (s.dom_nodes === null ? "–" : s.dom_nodes));
  cell(
    tr,
    s.errors.map((e) => when(e.at) + " " + e.kind + ": " + e.message).join("\n") || "none",
    "page-errors",
  );
  cell(tr, s.reconnects_last_hour);
  // With replicas (Redis), which one holds its socket.
  cell(tr, (s.address || "–") + (s.replica ? " · " + s.replica : ""));
  const actions = cell(tr, "", "actions");
  actions.textContent = "";
  button(actions, "Identify", () => act(s.id, "identify"));
  button(actions, "Reload", () => act(s.id, "reload"));
  const select = document.createElement("select");
  select.append(movePages.content.cloneNode(true));
  select.value = moveTo.get(s.id) || s.page;
  select.addEventListener("change", () => moveTo.set(s.id, select.value));
  actions.appendChild(select);
  button(actions, "Move", () => {
    moveTo.delete(s.id);
    act(s.id, "move", { page: select.value });
  });
  if (s.paired) {
    const label = confirming.has(s.id) ? "Confirm revoke" : "Revoke";
    button(actions, label, () => {
      if (!confirming.has(s.id)) {
        confirming.add(s.id);
        refresh();
        return;
      }
      confirming.delete(s.id);
      act(s.id, "revoke");
    });
  }
  return tr;
}

// Screens showing a code: Approve… fills the form with its code and the page it asked for.
const waitingBox = document.getElementById("waiting-box");
const waitingList = document.getElementById("waiting");

function useWaiting(w) {
  approveForm.elements.code.value = w.code;
  const select = approveForm.elements.page;
  if (w.page && !Array.from(select.options).some((o) => o.value === w.page)) {
    select.add(new Option(w.page, w.page));
  }
  select.value = w.page || "/wall";
  approveForm.elements.name.focus();
}

function renderWaiting(list) {
  waitingBox.hidden = !list.length;
  waitingList.replaceChildren(
    ...list.map((w) => {
      const li = document.createElement("li");
      li.dataset.code = w.code;
      const text = document.createElement("span");
      text.textContent =
        w.code + " · " + w.address + " · " + (w.page || "no page") + " · " + w.expires_in + " s";
      li.appendChild(text);
      button(li, "Approve…", () => useWaiting(w));
      return li;
    }),
  );
}

function refresh() {
  return fetch("/api/v1/screens", { credentials: "same-origin", cache: "no-store" })
    .then((response) => {
      if (response.status === 401) {
        location.reload();
        return null;
      } // the session ended
      return response.ok ? response.json() : null;
    })
    .then(
      (answer) => {
        if (!answer) return;
        const list = answer.screens.map(row);
        rows.replaceChildren(...list);
        renderWaiting(answer.waiting || []);
        summary.textContent =
          answer.screens.length +
          " screens · access " +
          answer.access +
          " · server build " +
          answer.build +
          " · ";
        const off = document.createElement("span");
        off.className = answer.offline ? "offline-count" : "";
        off.textContent = answer.offline + " offline";
        summary.appendChild(off);
        document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
      },
      () => {
        summary.textContent = "Cannot reach the server; retrying…";
      },
    );
}

approveForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(approveForm);
  approveMessage.textContent = "…";
  post("/approve", { code: form.get("code"), name: form.get("name"), page: form.get("page") }).then(
    (r) => {
      approveMessage.textContent = r.ok
        ? "Paired “" + r.answer.screen.name + "”."
        : "Not paired: " + ((r.answer && r.answer.error && r.answer.error.message) || "refused");
      refresh();
    },
  );
});

refresh();
setInterval(refresh, 2000);
