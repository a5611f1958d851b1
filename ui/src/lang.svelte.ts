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
