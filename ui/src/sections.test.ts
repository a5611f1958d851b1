import { describe, expect, it } from "vitest";
import { gridRows, moveFrom, rowAt, rowOf } from "./virtual";
import { monthAt, monthSections, timeline, weakerSection } from "./sections";

describe("gridRows", () => {
  it("puts each heading on a row of its own and starts each section on a new row", () => {
    const { rows, height } = gridRows(7, [{ at: 0, label: "May" }, { at: 3, label: "April" }], 2, 100, 30);
    expect(rows.map((r) => (r.kind === "head" ? r.label : `${r.first}-${r.last}`))).toEqual(["May", "0-2", "2-3", "April", "3-5", "5-7"]);
    expect(rows.map((r) => r.top)).toEqual([0, 30, 130, 230, 260, 360]);
    expect(height).toBe(460);
  });
  it("without sections is the plain grid", () => {
    const { rows } = gridRows(5, [], 2, 10, 30);
    expect(rows.map((r) => r.kind)).toEqual(["cards", "cards", "cards"]);
  });
  it("finds the row at a height and the row holding a card", () => {
    const { rows } = gridRows(7, [{ at: 0, label: "May" }, { at: 3, label: "April" }], 2, 100, 30);
    expect([rowAt(rows, 0), rowAt(rows, 29), rowAt(rows, 240), rowAt(rows, 1e9)]).toEqual([0, 0, 3, 5]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => rowOf(rows, i))).toEqual([1, 1, 2, 4, 4, 5, 5, -1]);
  });
});

describe("moveFrom", () => {
  // May: 0 1 2 | 3 4 ; April: 5 | … three to a row.
  const { rows } = gridRows(9, [{ at: 0, label: "May" }, { at: 5, label: "April" }], 3, 100, 30);
  it("goes down and up by column, over headings, and to a short row's last card", () => {
    expect(moveFrom(rows, 1, "ArrowDown")).toBe(4);
    expect(moveFrom(rows, 2, "ArrowDown")).toBe(4);
    expect(moveFrom(rows, 4, "ArrowDown")).toBe(6);
    expect(moveFrom(rows, 6, "ArrowUp")).toBe(4);
    expect(moveFrom(rows, 3, "ArrowUp")).toBe(0);
  });
  it("says when it leaves the list at either end", () => {
    expect(moveFrom(rows, 1, "ArrowUp")).toBe(-1);
    expect(moveFrom(rows, 7, "ArrowDown")).toBe(8);
    expect(moveFrom(rows, 8, "ArrowDown")).toBe(9);
    expect(moveFrom(rows, 0, "PageDown", 10)).toBe(8);
    expect(moveFrom(rows, 8, "ArrowRight")).toBe(8);
    expect(moveFrom(rows, 5, "ArrowLeft")).toBe(4);
  });
});

describe("sections", () => {
  it("heads each month once, newest first as listed", () => {
    const d = (y: number, m: number, day: number) => Date.UTC(y, m, day, 12);
    const label = (ms: number) => `${new Date(ms).getUTCMonth() + 1}/${new Date(ms).getUTCFullYear()}`;
    const s = monthSections([d(2024, 4, 30), d(2024, 4, 2), d(2024, 3, 9), d(2023, 3, 9)], label);
    expect(s).toEqual([
      { at: 0, label: "5/2024" },
      { at: 2, label: "4/2024" },
      { at: 3, label: "4/2023" },
    ]);
  });
  it("divides matches from weaker ones, and says when none is close", () => {
    expect(weakerSection(10, 3, "Weaker", "None close")).toEqual([{ at: 3, label: "Weaker" }]);
    expect(weakerSection(10, 0, "Weaker", "None close")).toEqual([{ at: 0, label: "None close" }]);
    expect(weakerSection(10, 10, "Weaker", "None close")).toEqual([]);
    expect(weakerSection(10, null, "Weaker", "None close")).toEqual([]);
  });
});

describe("timeline", () => {
  it("places each month at its first photo and finds the month of any photo", () => {
    const t = timeline([
      { year: 2024, month: 12, count: 3 },
      { year: 2024, month: 6, count: 2 },
      { year: 2019, month: 1, count: 5 },
    ]);
    expect(t.map((m) => m.at)).toEqual([0, 3, 5]);
    expect([0, 2, 3, 4, 5, 9].map((i) => monthAt(t, i)?.month)).toEqual([12, 12, 6, 6, 1, 1]);
    expect(monthAt([], 3)).toBeNull();
  });
});
