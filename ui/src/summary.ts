// An indexing run's summary in words, for the toast that follows a run:
// "248 photos added, 12 already indexed." (never a dangling " .").
// The window passes its translator and number format (lang.svelte.ts).
import type { Summary } from "./ipc";

type Translate = (s: string, vars?: Record<string, string | number>) => string;
const fill: Translate = (s, vars = {}) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

/** What the library holds, in words: "12 photos, 1 video" ("12 photos" while it has no videos). */
export function libraryCount(items: number, videos: number, t: Translate = fill, count: (n: number) => string = String): string {
  const photos = items - videos;
  const say = (n: number, one: string, many: string) => t(n === 1 ? one : many, { n: count(n) });
  const p = say(photos, "{n} photo", "{n} photos");
  if (videos === 0) return p;
  const v = say(videos, "{n} video", "{n} videos");
  return photos === 0 ? v : `${p}, ${v}`;
}

export function summaryText(s: Summary, t: Translate = fill, count: (n: number) => string = String): string {
  const photos = (n: number, one: string, many: string) => t(n === 1 ? one : many, { n: count(n) });
  const parts: string[] = [];
  if (s.cancelled) parts.push(photos(s.indexed, "Stopped after {n} new photo", "Stopped after {n} new photos"));
  else if (s.indexed > 0) parts.push(photos(s.indexed, "{n} photo added", "{n} photos added"));
  else parts.push(t("No new photos"));
  if (s.skipped) parts.push(t("{n} already indexed", { n: count(s.skipped) }));
  if (s.reused) parts.push(t("{n} moved or copied", { n: count(s.reused) }));
  if (s.removed) parts.push(t("{n} gone", { n: count(s.removed) }));
  if (s.failed.length) parts.push(t("{n} could not be read", { n: count(s.failed.length) }));
  const text = parts.join(", ") + ".";
  return s.cancelled ? `${text} ${t("Add the folder again to continue.")}` : text;
}
