// An indexing run's summary in words, for the toast that follows a run:
// "248 photos added, 12 already indexed." (never a dangling " .").
// The window passes its translator and number format (lang.svelte.ts).
import type { Summary } from "./ipc";

type Translate = (s: string, vars?: Record<string, string | number>) => string;
const fill: Translate = (s, vars = {}) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

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
