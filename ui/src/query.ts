// The query as the engine reads it (the outline `search` answers with, the
// same parser as search), and the edits the window makes to the query text:
// a part's weight, removing a part, adding a library item as a term.
import type { Outline, Part } from "./wire";

export type { Outline, Part, SyntaxAt } from "./wire";

/** `o` with its offsets moved `by` UTF-16 units: the engine reads the query
 * trimmed, the window edits the text as typed (with any leading spaces). */
export function shifted(o: Outline, by: number): Outline {
  if (by === 0) return o;
  return {
    parts: o.parts.map((p) => ({ ...p, start: p.start + by, atomStart: p.atomStart + by, end: p.end + by })),
    error: o.error && { ...o.error, position: o.error.position + by },
  };
}

/** How a weight is written before a term: nothing for 1, "- " for −1, else "w:". */
export function weightPrefix(w: number): string {
  if (w === 1) return "";
  if (w === -1) return "- ";
  return `${Number(w.toFixed(2))}:`;
}

/** The query with `part`'s weight set to `w`. */
export function withWeight(query: string, part: Part, w: number): string {
  return query.slice(0, part.start) + weightPrefix(w) + query.slice(part.atomStart);
}

/** The query without `part` (and the space that separated it). */
export function withoutPart(query: string, part: Part): string {
  const before = query.slice(0, part.start).replace(/\s+$/, "");
  const after = query.slice(part.end).replace(/^\s+/, "");
  return before && after ? `${before} ${after}` : before + after;
}

/** The query with one more term at the end (e.g. `similar:<id>` from a dragged result). */
export function withTerm(query: string, term: string): string {
  const q = query.trimEnd();
  return q ? `${q} ${term}` : term;
}

/** The syntax hints shown under the search box: what to type, and what it does. */
export const HINTS: { insert: string; label: string }[] = [
  { insert: '"', label: '"exact phrase"' },
  { insert: "2:", label: "2:word — weigh a term" },
  { insert: "- ", label: "- word — away from it" },
  { insert: "after:", label: "after:2024-06-01" },
  { insert: "before:", label: "before:2025-01-01" },
  { insert: "camera:", label: "camera:Pixel" },
  { insert: 'text:"', label: 'text:"words in the photo"' },
  { insert: "folder:", label: "folder:~/Pictures" },
  { insert: "ext:", label: "ext:png" },
  { insert: "minsize:", label: "minsize:1000" },
];

/** The filter being typed at the end of the query, if any: its name and what follows the colon so far. */
export function trailingFilter(query: string): { name: "after" | "before" | "camera" | "folder"; value: string } | null {
  const m = /(?:^|\s)(after|before|camera|folder):(\S*)$/.exec(query);
  return m ? { name: m[1] as "after" | "before" | "camera" | "folder", value: m[2] } : null;
}

/** The query with the filter being typed at its end completed to `value` (and a space to go on). */
export function completeFilter(query: string, value: string): string {
  const m = /(?:^|\s)(after|before|camera|folder):(\S*)$/.exec(query);
  if (!m) return query;
  // A filter's value is one word (the parser reads no quotes there): a
  // camera matches by what its name contains, so its first word will do.
  const v = value.trim().split(/\s+/)[0] ?? "";
  return query.slice(0, query.length - m[2].length) + v + " ";
}

/** The whole query as plain words: one quoted phrase, so no part of it reads as syntax. */
export function asPlainText(query: string): string {
  const words = query.replace(/"/g, " ").trim().replace(/\s+/g, " ");
  return words ? `"${words}"` : "";
}
