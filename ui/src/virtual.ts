// Which rows of the results grid to render: only those in view, plus a few
// either side, so a list of any length scrolls at the cost of one screen.

export interface GridWindow {
  columns: number;
  /** One row's height (a card and the gap below it), in pixels. */
  rowHeight: number;
  /** The whole list's height, for the scroll bar. */
  height: number;
  /** Items first..last (exclusive) are rendered … */
  first: number;
  last: number;
  /** … starting this far down. */
  offset: number;
}

export interface GridLayout {
  count: number;
  width: number;
  /** Cards are at least this wide; columns fill the width. */
  minCard: number;
  gap: number;
  /** Height under the square picture (name and date lines). */
  caption: number;
  scrollTop: number;
  viewHeight: number;
  /** Rows rendered beyond the view on each side. */
  overscan?: number;
}

export function gridWindow(l: GridLayout): GridWindow {
  const columns = Math.max(1, Math.floor((l.width + l.gap) / (l.minCard + l.gap)));
  const card = (l.width - l.gap * (columns - 1)) / columns;
  const rowHeight = Math.max(1, card + l.caption + l.gap);
  const rows = Math.ceil(l.count / columns);
  const overscan = l.overscan ?? 2;
  // A scroll position past the end (the list just got shorter) shows the last rows.
  const firstRow = Math.max(0, Math.min(Math.floor(l.scrollTop / rowHeight), rows) - overscan);
  const lastRow = Math.min(rows, Math.ceil((l.scrollTop + l.viewHeight) / rowHeight) + overscan);
  return {
    columns,
    rowHeight,
    height: Math.max(0, rows * rowHeight - l.gap),
    first: firstRow * columns,
    last: Math.min(l.count, Math.max(firstRow, lastRow) * columns),
    offset: firstRow * rowHeight,
  };
}
