import { describe, expect, it } from "vitest";
import { asPlainText, completeFilter, trailingFilter } from "./query";

describe("help while typing a filter", () => {
  it("sees the filter being typed at the end of the query", () => {
    expect(trailingFilter("butterfly after:2024-0")).toEqual({ name: "after", value: "2024-0" });
    expect(trailingFilter("before:")).toEqual({ name: "before", value: "" });
    expect(trailingFilter("camera:Pix")).toEqual({ name: "camera", value: "Pix" });
    expect(trailingFilter("after:2024-01-01 dog")).toBeNull();
    expect(trailingFilter("reafter:2024")).toBeNull();
  });
  it("completes it and goes on after a space", () => {
    expect(completeFilter("butterfly after:2024-0", "2024-06-01")).toBe("butterfly after:2024-06-01 ");
    expect(completeFilter("folder:", "/home/me/pics")).toBe("folder:/home/me/pics ");
    // One word: the parser reads no quotes in a filter's value.
    expect(completeFilter("sled camera:pix", "Pixel 7 Pro")).toBe("sled camera:Pixel ");
    expect(completeFilter("just words", "x")).toBe("just words");
  });
  it("reads the whole query as plain words on request", () => {
    expect(asPlainText('ticket after:2024-0 "x')).toBe('"ticket after:2024-0 x"');
    expect(asPlainText('  "" ')).toBe("");
  });
});
