// The window's language as reactive state: components call `t(...)` and
// re-render when the user picks another language in Settings.
import { effectiveLanguage, translate } from "./i18n";

export const locale = $state({ choice: "auto" });

const system = () => (typeof navigator !== "undefined" ? navigator.language : "en");

/** The language in effect (a BCP-47 tag). */
export function language(): string {
  return effectiveLanguage(locale.choice, system());
}

export function t(s: string, vars: Record<string, string | number> = {}): string {
  return translate(language(), s, vars);
}

/** A count as the window's language writes it (1,234 / 1.234). */
export const count = (x: number) => x.toLocaleString(language());

/** A date (ms since the epoch) as the window's language writes it. */
export const day = (ms: number) =>
  new Date(ms).toLocaleDateString(language(), { year: "numeric", month: "short", day: "numeric" });

/** A month (ms since the epoch), as the window's language writes it: a heading while browsing. */
export const month = (ms: number) => new Date(ms).toLocaleDateString(language(), { year: "numeric", month: "long", timeZone: "UTC" });

/** What a running index is doing, in words. */
export function phaseText(p: { phase: string; done: number; total: number }): string {
  const v = { done: count(p.done), total: count(p.total) };
  switch (p.phase) {
    case "scanning":
      return t("Looking for photos…");
    case "labels":
      return t("Preparing tags for this model (once): {done} of {total} prompts", v);
    case "describing":
      return t("Tagging {done} of {total}", v);
    case "reading":
      return t("Reading text in photos: {done} of {total}", v);
    default:
      return t("Indexing {done} of {total}", v);
  }
}
