// The pairing view: ask every few hundred ms whether a person approved this screen's
// code. The answer that says "paired" also sets the HttpOnly device cookie (never seen
// here); then go to the page the screen was approved for. A code that expired, or a
// server that restarted, gets a fresh code by reloading.
const body = document.body;
const every = Number(body.dataset.pollMs) || 300;
const left = document.getElementById("pairing-left");
const expiresAt = Date.now() + (Number(body.dataset.expiresIn) || 60) * 1000;
let busy = false;

function samePage(page) {
  return typeof page === "string" && page.startsWith("/") && !page.startsWith("//");
}

function poll() {
  if (busy) return;
  busy = true;
  fetch("/pair/poll", { cache: "no-store", credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then(
      (answer) => {
        if (!answer) return;
        body.dataset.pairing = answer.status;
        if (answer.status === "paired" && samePage(answer.page)) {
          location.replace(answer.page);
        } else if (answer.status === "expired") {
          location.reload();
        }
      },
      () => {
        /* the server is away: keep showing the code, ask again */
      },
    )
    .finally(() => {
      busy = false;
    });
}

function tick() {
  const minutes = Math.max(0, Math.ceil((expiresAt - Date.now()) / 60000));
  if (left) left.textContent = minutes + " min";
}

if (document.getElementById("pairing-code")) {
  setInterval(poll, every);
  setInterval(tick, 5000);
} else {
  // Too many screens waiting: no code was given; ask again in a minute.
  setTimeout(() => location.reload(), 60000);
}
