// A run's summary as the toast words it.
import { describe, expect, it } from "vitest";
import { libraryCount, summaryText } from "./summary";
import type { Summary } from "./ipc";

const run = (s: Partial<Summary>): Summary => ({ indexed: 0, reused: 0, skipped: 0, removed: 0, failed: [], cancelled: false, seconds: 1, ...s });

describe("summaryText", () => {
  it("says what was added in words, with no stray punctuation", () => {
    expect(summaryText(run({ indexed: 248 }))).toBe("248 photos added.");
    expect(summaryText(run({ indexed: 1, skipped: 12 }))).toBe("1 photo added, 12 already indexed.");
    expect(summaryText(run({ skipped: 5 }))).toBe("No new photos, 5 already indexed.");
  });
  it("names moves, removals and failures only when there are some", () => {
    const failed = [{ path: "/p/a.jpg", reason: "truncated" }];
    expect(summaryText(run({ indexed: 3, reused: 2, removed: 1, failed }))).toBe(
      "3 photos added, 2 moved or copied, 1 gone, 1 could not be read.",
    );
  });
  it("says how to go on after a cancelled run", () => {
    expect(summaryText(run({ indexed: 120, cancelled: true }))).toBe(
      "Stopped after 120 new photos. Add the folder again to continue.",
    );
  });
});

describe("libraryCount", () => {
  it("counts photos and videos apart, naming videos only when there are some", () => {
    expect(libraryCount(12, 0)).toBe("12 photos");
    expect(libraryCount(1, 0)).toBe("1 photo");
    expect(libraryCount(13, 1)).toBe("12 photos, 1 video");
    expect(libraryCount(3, 2)).toBe("1 photo, 2 videos");
    expect(libraryCount(2, 2)).toBe("2 videos");
  });
});
