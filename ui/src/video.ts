// Videos in the window: where one plays from, the time of a moment as
// people write it, and its moments in the order they happen.
import type { Hit, Moment } from "./ipc";

/** `m:ss` (`01:15`), or `h:mm:ss` past an hour — as the CLI writes it. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const two = (x: number) => String(x).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${two(m)}:${two(r)}`;
}

/**
 * The URL a `<video>` plays a hit from, starting at its best moment (a
 * media fragment): the app's loopback server when it has one (Linux, whose
 * web view cannot play from the app's own scheme), else the hit's media URL.
 */
export function videoSource(hit: Hit, base: string | null): string {
  const url = base ? `${base}${hit.id}` : hit.image;
  return hit.time !== null ? `${url}#t=${hit.time.toFixed(3)}` : url;
}

/** A video's moments as a strip: in the order they happen. */
export function strip(hit: Hit): Moment[] {
  return [...hit.moments].sort((a, b) => a.time - b.time);
}

/** The moment showing `time`: the last to start at or before it. */
export function momentAt(moments: Moment[], time: number): Moment | null {
  let at: Moment | null = null;
  for (const m of moments) if (m.time <= time + 0.05 && (!at || m.time >= at.time)) at = m;
  return at;
}
