import { describe, expect, it } from "vitest";
import { cividis, heatColour, luminance, stretch, textOn } from "./heat";

describe("heatmap colours", () => {
  it("run cividis from dark blue to yellow, brighter all the way", () => {
    expect(heatColour(0)).toBe("rgb(0, 34, 78)");
    expect(heatColour(1)).toBe("rgb(253, 231, 55)");
    expect(heatColour(7)).toBe(heatColour(1));
    expect(heatColour(-1)).toBe(heatColour(0));
    // Perceptually ordered: every step is lighter than the one before (unlike a rainbow).
    const l = Array.from({ length: 21 }, (_, i) => luminance(cividis(i / 20)));
    expect(l.every((x, i) => i === 0 || x > l[i - 1])).toBe(true);
  });
  it("write on each cell in the colour that reads (WCAG AA for the numbers)", () => {
    for (let i = 0; i <= 20; i++) {
      const bg = luminance(cividis(i / 20));
      const fg = textOn(i / 20) === "#000" ? 0 : 1;
      const ratio = (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05);
      expect(ratio, `level ${i / 20}`).toBeGreaterThanOrEqual(4.5);
    }
  });
  it("stretch over the cells shown, so the best and the worst differ", () => {
    const s = stretch([0.21, 0.25, 0.23]);
    expect([s.lo, s.hi]).toEqual([0.21, 0.25]);
    expect([s.level(0.21), s.level(0.25), s.level(0.23)].map((x) => Number(x.toFixed(3)))).toEqual([0, 1, 0.5]);
    expect(stretch([0.3, 0.3]).level(0.3)).toBe(0.5);
    expect(stretch([]).level(1)).toBe(0.5);
  });
});
