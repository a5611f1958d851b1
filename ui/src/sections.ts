// Where the grid's headings go: a month heading wherever the month changes
// while browsing the library, and the line between a search's matches and
// the weaker ones after them.
import type { Section } from "./virtual";

/** A heading at the first result of each month (UTC, as the engine counts them; by `dates`, ms), named by `label`. */
export function monthSections(dates: number[], label: (ms: number) => string): Section[] {
  const out: Section[] = [];
  let last = "";
  dates.forEach((ms, at) => {
    const d = new Date(ms);
    const key = `${d.getUTCFullYear()}-${d.getUTCMonth()}`;
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

/** A month of the timeline: where its first photo is in the whole list. */
export interface TimelineMonth {
  year: number;
  /** 1–12. */
  month: number;
  count: number;
  /** The index of its first photo. */
  at: number;
}

/** The months (newest first, with counts) placed in the list: each one's first index. */
export function timeline(months: { year: number; month: number; count: number }[]): TimelineMonth[] {
  let at = 0;
  return months.map((m) => {
    const placed = { ...m, at };
    at += m.count;
    return placed;
  });
}

/** The month holding list index `i` (the last one starting at or before it). */
export function monthAt(months: TimelineMonth[], i: number): TimelineMonth | null {
  let found: TimelineMonth | null = null;
  for (const m of months) {
    if (m.at <= i) found = m;
    else break;
  }
  return found;
}
