// How well a result matches, in words (the engine's level against the
// model's calibrated marks) and where a keyword match was found; numbers
// only for those who ask for them (Settings › Show scores as numbers).
import type { Hit } from "./wire";

type Translate = (s: string, vars?: Record<string, string | number>) => string;
const fill: Translate = (s, vars = {}) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

/** "Strong match", "Good match", "Weak match"; "" with no level (browsing, not calibrated yet). */
export function levelText(level: Hit["level"], t: Translate = fill): string {
  if (level === "strong") return t("Strong match");
  if (level === "good") return t("Good match");
  if (level === "weak") return t("Weak match");
  return "";
}

/** Where a keyword match was found: "name match", "tag match", "camera match", "words in the photo", "text match". */
export function matchedText(by: Hit["matchedBy"], t: Translate = fill): string[] {
  const words = {
    name: "name match",
    tag: "tag match",
    camera: "camera match",
    words: "words in the photo",
    text: "text match",
  } as const;
  return by.map((k) => t(words[k]));
}

/** Why a result is there, one line: in words, or with its numbers when asked. */
export function explain(h: Hit, numbers = false, t: Translate = fill): string {
  if (numbers) {
    const parts = [`cosine ${h.score.toFixed(3)}`];
    if (h.why.vectorRank !== null) parts.push(`#${h.why.vectorRank} by meaning`);
    if (h.why.keywordRank !== null) parts.push(`#${h.why.keywordRank} by keywords (${h.why.keywordFields.join("; ")})`);
    return parts.join(" · ");
  }
  return [levelText(h.level, t), ...matchedText(h.matchedBy, t)].filter(Boolean).join(" · ");
}
