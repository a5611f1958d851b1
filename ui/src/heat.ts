// The heatmap's colours: cividis (perceptually uniform and readable with
// any colour vision), stretched over the cells on screen so the best and
// worst shown always differ, with the text colour that reads on each cell.

/** Cividis at eight evenly spaced stops (from matplotlib's table), dark blue to yellow. */
const CIVIDIS: [number, number, number][] = [
  [0, 34, 78],
  [32, 51, 107],
  [69, 74, 108],
  [102, 103, 112],
  [134, 132, 120],
  [170, 163, 116],
  [208, 195, 103],
  [253, 231, 55],
];

/** Cividis at `level` (0–1; outside is held to the ends), as [r, g, b]. */
export function cividis(level: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(level) ? level : 0)) * (CIVIDIS.length - 1);
  const i = Math.min(CIVIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [CIVIDIS[i], CIVIDIS[i + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** A CSS colour for `level`. */
export function heatColour(level: number): string {
  const [r, g, b] = cividis(level);
  return `rgb(${r}, ${g}, ${b})`;
}

/** WCAG relative luminance of an sRGB colour. */
export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever contrasts more with the cell's colour. */
export function textOn(level: number): "#000" | "#fff" {
  const l = luminance(cividis(level));
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

/** The cells' range, and each value's place in it (0–1): the colours are stretched over what is shown. */
export function stretch(values: number[]): { lo: number; hi: number; level: (v: number) => number } {
  const finite = values.filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 0;
  const span = hi - lo;
  return { lo, hi, level: (v) => (span < 1e-6 ? 0.5 : Math.min(1, Math.max(0, (v - lo) / span))) };
}
