// The (optional) chime when a panel turns critical: off unless configured, never in the
// quiet hours, at most once per chime_min_interval (also across reloads of this tab).
import { settings, within } from "./settings.js";

let lastChime = 0;
let audio = null;

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

// "running" once the chime could play sound; "" before the first chime.
export const audioState = () => (audio ? audio.state : "");

export function chime() {
  const s = settings();
  if (!s.chime) return;
  if (within(s.chime_quiet_from, s.chime_quiet_until, new Date())) return;
  const previous = Math.max(lastChime, Number(sessionStorage.getItem("wb-chime") || 0));
  if (Date.now() - previous < s.chime_min_interval * 1000) return;
  lastChime = Date.now();
  try {
    sessionStorage.setItem("wb-chime", String(lastChime));
  } catch {
    /* private mode */
  }
  const body = document.body;
  body.dataset.chimes = String(Number(body.dataset.chimes || 0) + 1);
  try {
    audio = audio || new AudioContext();
    // Without --autoplay-policy=no-user-gesture-required the context stays suspended.
    audio.resume().then(
      () => beep(audio),
      () => {},
    );
  } catch {
    /* no audio device */
  }
}
