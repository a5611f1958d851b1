// The window's own logic, without a window: query edits, which grid rows to
// render, indexing rate and time left, settings, translations.
import { describe, expect, it } from "vitest";
import { shifted, weightPrefix, withTerm, withWeight, withoutPart, type Part } from "./query";
import { gridRows, gridShape, rowAt } from "./virtual";
import { Rate, duration } from "./rate";
import { effectiveTheme, parseSettings } from "./settings";
import { effectiveLanguage, translate } from "./i18n";

const part = (q: string, text: string, atom = text, kind: Part["kind"] = "text", weight: number | null = 1): Part => {
  const start = q.indexOf(text);
  return { start, atomStart: start + text.indexOf(atom), end: start + text.length, kind, label: atom, weight };
};

describe("query edits", () => {
  it("writes weights the way the parser reads them", () => {
    expect(weightPrefix(1)).toBe("");
    expect(weightPrefix(-1)).toBe("- ");
    expect(weightPrefix(2)).toBe("2:");
    expect(weightPrefix(-0.5)).toBe("-0.5:");
    expect(weightPrefix(1 / 3)).toBe("0.33:");
  });
  it("sets a term's weight, replacing any it had", () => {
    const q = 'kids 2:"red sled" similar:ab12';
    expect(withWeight(q, part(q, 'similar:ab12'), 3)).toBe('kids 2:"red sled" 3:similar:ab12');
    expect(withWeight(q, part(q, '2:"red sled"', '"red sled"'), 1)).toBe('kids "red sled" similar:ab12');
    expect(withWeight(q, part(q, '2:"red sled"', '"red sled"'), -1)).toBe('kids - "red sled" similar:ab12');
    const neg = "beach - people";
    expect(withWeight(neg, part(neg, "- people", "people"), 0.5)).toBe("beach 0.5:people");
  });
  it("removes a part and the space around it", () => {
    const q = "cat after:2024-01-01 similar:ab";
    expect(withoutPart(q, part(q, "after:2024-01-01", "2024-01-01", "filter", null))).toBe("cat similar:ab");
    expect(withoutPart(q, part(q, "cat"))).toBe("after:2024-01-01 similar:ab");
    expect(withoutPart(q, part(q, "similar:ab"))).toBe("cat after:2024-01-01");
  });
  it("moves the engine's offsets (counted in the trimmed query) onto the text as typed", () => {
    const typed = "  cat 2:dog";
    const o = { parts: [part("cat 2:dog", "cat"), part("cat 2:dog", "2:dog", "dog", "text", 2)], error: null };
    const s = shifted(o, 2);
    expect(withWeight(typed, s.parts[1], 3)).toBe("  cat 3:dog");
    expect(withoutPart(typed, s.parts[0])).toBe("2:dog");
    expect(shifted({ parts: [], error: { position: 4, expected: "a term" } }, 2).error).toEqual({ position: 6, expected: "a term" });
    expect(shifted(o, 0)).toBe(o);
  });
  it("adds a term at the end", () => {
    expect(withTerm("", "similar:ab")).toBe("similar:ab");
    expect(withTerm("cat  ", "similar:ab")).toBe("cat similar:ab");
  });
});

describe("grid shape", () => {
  it("fills the width with columns at least the card's width, one column at the least", () => {
    const { columns, rowHeight } = gridShape(1000, 180, 12, 50);
    expect(columns).toBe(5);
    expect(rowHeight).toBeCloseTo((1000 - 4 * 12) / 5 + 50 + 12);
    expect(gridShape(100, 180, 12, 50).columns).toBe(1);
  });
  it("lays 100,000 results out in rows, and finds the row at any height at once", () => {
    const { rows, height } = gridRows(100_000, [], 5, 252, 44);
    expect(rows.length).toBe(20_000);
    expect(height).toBe(20_000 * 252);
    expect(rowAt(rows, 5000 * 252 + 3)).toBe(5000);
    expect(rowAt(rows, 1e12)).toBe(19_999);
    expect(gridRows(0, [], 5, 252, 44)).toEqual({ rows: [], height: 0 });
  });
});

describe("Rate", () => {
  it("measures items per second and time left over a sliding window", () => {
    const r = new Rate(10_000);
    expect(r.perSecond()).toBeNull();
    r.add(0, 0);
    r.add(1000, 20);
    r.add(2000, 40);
    expect(r.perSecond()).toBeCloseTo(20);
    expect(r.eta(100)).toBeCloseTo(3);
    // Old samples fall out: the rate follows a slowdown.
    r.add(12_000, 50);
    r.add(14_000, 60);
    expect(r.perSecond()).toBeCloseTo(5, 0);
  });
  it("starts afresh when the count goes back (a new phase)", () => {
    const r = new Rate();
    r.add(0, 50);
    r.add(1000, 100);
    r.add(1100, 3);
    expect(r.perSecond()).toBeNull();
  });
  it("writes durations for people", () => {
    expect(duration(12.2)).toBe("13 s");
    expect(duration(600)).toBe("10 min");
    expect(duration(4800)).toBe("1 h 20 min");
  });
});

describe("settings", () => {
  it("keeps defaults for anything missing or malformed", () => {
    const plain = { theme: "system", language: "auto", cutoff: null, showScores: false };
    expect(parseSettings(null)).toEqual(plain);
    expect(parseSettings("{not json")).toEqual(plain);
    const chosen = '{"theme":"light","language":"de","cutoff":0.21,"showScores":true}';
    expect(parseSettings(chosen)).toEqual({ theme: "light", language: "de", cutoff: 0.21, showScores: true });
    expect(parseSettings('{"theme":"neon","language":"<script>","cutoff":7,"showScores":"yes"}')).toEqual(plain);
  });
  it("follows the system theme unless one is chosen", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
  });
});

describe("translate", () => {
  it("uses the catalogue of the language, with values filled in", () => {
    expect(translate("de-AT", "Indexing {done} of {total}", { done: 3, total: 10 })).toBe("Indiziere 3 von 10");
    expect(translate("en-GB", "Indexing {done} of {total}", { done: 3, total: 10 })).toBe("Indexing 3 of 10");
    // No catalogue, or no entry: the English words.
    expect(translate("fr", "Settings")).toBe("Settings");
    expect(translate("de", "an untranslated sentence")).toBe("an untranslated sentence");
  });
  it("takes the system's language for automatic", () => {
    expect(effectiveLanguage("auto", "de-DE")).toBe("de-DE");
    expect(effectiveLanguage("fr", "de-DE")).toBe("fr");
    // A web view under LANG=C says "c": not a language; English, and no exception from Intl.
    expect(effectiveLanguage("auto", "c")).toBe("en");
    expect(effectiveLanguage("auto", "")).toBe("en");
  });
});
