// Which rows of the results grid to render: only those in view, plus a few
// either side, so a list of any length scrolls at the cost of one screen.

/** Columns that fill `width` with cards at least `minCard` wide, and one row's height. */
export function gridShape(width: number, minCard: number, gap: number, caption: number) {
  const columns = Math.max(1, Math.floor((width + gap) / (minCard + gap)));
  const card = (width - gap * (columns - 1)) / columns;
  return { columns, rowHeight: Math.max(1, card + caption + gap) };
}

/** A heading in the grid: shown on a row of its own before result `at`. */
export interface Section {
  at: number;
  label: string;
}

/** One row of the grid: a heading, or cards `first..last` (exclusive). */
export type Row = { kind: "head"; label: string; at: number; top: number } | { kind: "cards"; first: number; last: number; top: number };

export interface Rows {
  rows: Row[];
  /** The whole list's height, for the scroll bar. */
  height: number;
}

/**
 * The grid's rows: each section's heading on a row of its own, then its
 * cards, `columns` to a row (a section's last row may be short).
 * `sections` are in order; one at 0 heads the list.
 */
export function gridRows(count: number, sections: Section[], columns: number, rowHeight: number, headHeight: number): Rows {
  const rows: Row[] = [];
  let top = 0;
  const starts = sections.filter((s) => s.at >= 0 && s.at < count);
  let next = 0;
  for (let i = 0; i < count; ) {
    while (next < starts.length && starts[next].at <= i) {
      rows.push({ kind: "head", label: starts[next].label, at: starts[next].at, top });
      top += headHeight;
      next++;
    }
    const end = Math.min(count, i + columns, next < starts.length ? starts[next].at : count);
    rows.push({ kind: "cards", first: i, last: end, top });
    top += rowHeight;
    i = end;
  }
  return { rows, height: top };
}

/** The index of the last row that starts at or above `y` (0 if none). */
export function rowAt(rows: Row[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid].top <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** The row holding card `i`, by index into `rows` (-1 if none does). */
export function rowOf(rows: Row[], i: number): number {
  // Rows are in card order; a heading's key is the card it stands before.
  const key = (r: Row) => (r.kind === "cards" ? r.first : r.at);
  let lo = 0;
  let hi = rows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(rows[mid]) <= i) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const r = rows[found];
  return r && r.kind === "cards" && i < r.last ? found : -1;
}

/**
 * Where an arrow key or Page Up/Down goes from card `i`: left and right
 * through the list; up and down to the same column of the card row above or
 * below (headings skipped; a short row gives its last card), `rows` at a
 * time for paging. Past either end: -1 above the first row, `count` below
 * the last.
 */
export function moveFrom(rows: Row[], i: number, key: string, page = 1): number {
  const count = rows.reduce((n, r) => (r.kind === "cards" ? Math.max(n, r.last) : n), 0);
  if (key === "ArrowRight") return Math.min(i + 1, count - 1);
  if (key === "ArrowLeft") return Math.max(i - 1, 0);
  const down = key === "ArrowDown" || key === "PageDown";
  const steps = key === "PageDown" || key === "PageUp" ? page : 1;
  let k = rowOf(rows, i);
  if (k < 0) return i;
  const start = rows[k];
  const column = start.kind === "cards" ? i - start.first : 0;
  for (let s = 0; s < steps; s++) {
    let j = k + (down ? 1 : -1);
    while (j >= 0 && j < rows.length && rows[j].kind === "head") j += down ? 1 : -1;
    if (j < 0) return steps === 1 ? -1 : 0;
    if (j >= rows.length) return steps === 1 ? count : count - 1;
    k = j;
  }
  const r = rows[k];
  return r.kind === "cards" ? Math.min(r.first + column, r.last - 1) : i;
}
