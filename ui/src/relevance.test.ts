import { describe, expect, it } from "vitest";
import type { Hit } from "./wire";
import { explain, levelText, matchedText } from "./relevance";

const hit = (over: Partial<Hit>) =>
  ({ score: 0.3123, level: "good", matchedBy: [], why: { vectorRank: 2, keywordRank: null, keywordFields: [], fused: 0.03 }, ...over }) as Hit;

describe("relevance in words", () => {
  it("names the level and where keywords matched, without a number", () => {
    expect(explain(hit({ level: "strong", matchedBy: ["name", "tag"] }))).toBe("Strong match · name match · tag match");
    expect(explain(hit({ level: "weak" }))).toBe("Weak match");
    expect(levelText(null)).toBe("");
    expect(matchedText(["text"])).toEqual(["text match"]);
    expect(explain(hit({ score: -0.091 }))).not.toMatch(/\d/);
  });
  it("shows the numbers only when asked", () => {
    const h = hit({ why: { vectorRank: 2, keywordRank: 1, keywordFields: ["path: sled"], fused: 0.03 } });
    expect(explain(h, true)).toBe("cosine 0.312 · #2 by meaning · #1 by keywords (path: sled)");
  });
  it("speaks the window's language", () => {
    const de = (s: string) => ({ "Good match": "Guter Treffer", "name match": "Namenstreffer" })[s] ?? s;
    expect(explain(hit({ matchedBy: ["name"] }), false, de)).toBe("Guter Treffer · Namenstreffer");
  });
});
