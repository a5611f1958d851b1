// Where the grid's headings go: a month heading wherever the month changes
// while browsing the library, and the line between a search's matches and
// the weaker ones after them.
import type { Section } from "./virtual";

/** A heading at the first result of each month (by `dates`, ms), named by `label`. */
export function monthSections(dates: number[], label: (ms: number) => string): Section[] {
  const out: Section[] = [];
  let last = "";
  dates.forEach((ms, at) => {
    const d = new Date(ms);
    const key = `${d.getFullYear()}-${d.getMonth()}`;
    if (key !== last) out.push({ at, label: label(ms) });
    last = key;
  });
  return out;
}

/**
 * The divider before the weaker matches: after the `matches` first results
 * (a heading at the top when there are none above it). None when every
 * result is a match.
 */
export function weakerSection(count: number, matches: number | null, weaker: string, noneClose: string): Section[] {
  if (matches === null || matches >= count) return [];
  return [{ at: matches, label: matches === 0 ? noneClose : weaker }];
}
