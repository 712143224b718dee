// Reloading the page, only when the server answers it: a reload while it is down would
// leave the TV on the browser's error page. A few reloads in ten minutes at most (no loops).
const GUARD = { key: "wb-reloads", window: 600000, max: 3 };

// [{at, why}] of this tab's recent reloads: a guard against loops, and a record for people.
function recentReloads() {
  let list;
  try {
    list = JSON.parse(sessionStorage.getItem(GUARD.key) || "[]");
  } catch {
    list = [];
  }
  if (!Array.isArray(list)) list = [];
  return list.filter((r) => r && Date.now() - r.at < GUARD.window);
}

export function reloadIfServerUp(why) {
  const recent = recentReloads();
  if (recent.length >= GUARD.max) return Promise.resolve(false);
  return fetch(location.href, { cache: "no-store" }).then(
    (response) => {
      if (!response.ok) return false;
      recent.push({ at: Date.now(), why: why });
      try {
        sessionStorage.setItem(GUARD.key, JSON.stringify(recent));
      } catch {
        /* private mode */
      }
      document.body.dataset.reloading = why;
      location.reload();
      return true;
    },
    () => false,
  );
}
