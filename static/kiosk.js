// Looking after a TV that runs for days: the clock, ages, ?scale=, burn-in drift, night
// dimming, the daily soft reload and the (optional) chime. Settings: ScreenSettings.
"use strict";
window.WB = window.WB || {};
(function (WB) {
  const body = document.body;
  const root = document.documentElement;
  const stage = document.getElementById("stage");
  const clock = document.getElementById("clock");
  const params = new URLSearchParams(location.search);
  let nextDrift = 0, softReloadAt = null, lastChime = 0;

  function minutesOfDay(hhmm) {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
  }

  // Is the TV's local time within [from, until)? The window may cross midnight.
  WB.within = function (from, until, date) {
    if (!from || !until) return false;
    const now = date.getHours() * 60 + date.getMinutes();
    const a = minutesOfDay(from), b = minutesOfDay(until);
    return a <= b ? now >= a && now < b : now >= a || now < b;
  };

  function nextSoftReload(hhmm) {
    if (!hhmm) return null;
    const at = new Date();
    const [h, m] = hhmm.split(":").map(Number);
    at.setHours(h, m, 0, 0);
    if (at.getTime() <= Date.now()) at.setDate(at.getDate() + 1);
    // Up to two minutes of jitter: a room of TVs does not reload in the same second.
    return at.getTime() + Math.random() * 120000;
  }

  WB.configure = function (settings) {
    const changed = !WB.settings || WB.settings.soft_reload_at !== settings.soft_reload_at;
    WB.settings = settings;
    if (changed) softReloadAt = nextSoftReload(settings.soft_reload_at);
    if (!nextDrift) nextDrift = Date.now() + (settings.drift_every || 180) * 1000;
  };

  function applyScale() {
    const scale = Number(params.get("scale"));
    if (scale >= 0.5 && scale <= 4) root.style.setProperty("--scale", String(scale));
  }

  function drift() {
    const s = WB.settings;
    if (!s || !s.drift_pixels || Date.now() < nextDrift) return;
    nextDrift = Date.now() + s.drift_every * 1000;
    const px = () => Math.round((Math.random() * 2 - 1) * s.drift_pixels);
    stage.style.transform = "translate(" + px() + "px, " + px() + "px)";
  }

  function dim(now) {
    const s = WB.settings;
    // Never dim a screen that has something critical to say.
    const on = Boolean(s) && WB.within(s.dim_from, s.dim_until, now) && !body.classList.contains("status-crit");
    if (on) root.style.setProperty("--dim", String(s.dim_brightness));
    body.classList.toggle("dimmed", on);
  }

  function softReload() {
    if (softReloadAt === null || Date.now() < softReloadAt) return;
    softReloadAt = Date.now() + 60000; // if the server is down, try again in a minute
    WB.reloadIfServerUp("scheduled").then((done) => {
      if (!done) softReloadAt = Date.now() + 60000;
    });
  }

  function beep(context) {
    const gain = context.createGain();
    gain.connect(context.destination);
    [880, 660].forEach((freq, i) => {
      const osc = context.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      const t = context.currentTime + i * 0.35;
      gain.gain.setValueAtTime(0.25, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + 0.3);
      osc.start(t);
      osc.stop(t + 0.32);
    });
  }

  // Called by the store when a panel turns critical. Off unless configured.
  WB.chime = function () {
    const s = WB.settings;
    if (!s || !s.chime) return;
    if (WB.within(s.chime_quiet_from, s.chime_quiet_until, new Date())) return;
    const previous = Math.max(lastChime, Number(sessionStorage.getItem("wb-chime") || 0));
    if (Date.now() - previous < s.chime_min_interval * 1000) return;
    lastChime = Date.now();
    try { sessionStorage.setItem("wb-chime", String(lastChime)); } catch (e) { /* private mode */ }
    body.dataset.chimes = String(Number(body.dataset.chimes || 0) + 1);
    try {
      WB.audio = WB.audio || new AudioContext();
      // Without --autoplay-policy=no-user-gesture-required the context stays suspended.
      WB.audio.resume().then(() => beep(WB.audio), () => {});
    } catch (e) { /* no audio device */ }
  };

  const ticks = [];
  WB.onTick = (fn) => ticks.push(fn);

  function tick() {
    const now = new Date(WB.time.now());
    if (clock) WB.setText(clock, now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }));
    document.querySelectorAll(".updated").forEach((node) => WB.setText(node, WB.updatedText(node)));
    document.querySelectorAll(".worsened").forEach((node) => {
      if (Date.now() - Number(node.dataset.worseAt || 0) > ((WB.settings && WB.settings.highlight_for) || 15) * 1000) node.classList.remove("worsened");
    });
    ticks.forEach((fn) => fn());
    if (WB.connectionTick) WB.connectionTick();
    drift();
    dim(new Date());
    softReload();
  }

  try { WB.configure(JSON.parse(body.dataset.screen || "{}")); } catch (e) { WB.configure({}); }
  WB.time.offset = Number(body.dataset.serverTime) * 1000 - Date.now();
  applyScale();
  setInterval(tick, 1000);
  tick();
})(window.WB);
