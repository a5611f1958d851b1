// What the user sets once and keeps: theme, language, whether scores show
// as numbers, and (with numbers) a fixed relevance cutoff. Stored in the web view's localStorage (per user, per machine).

export type Theme = "system" | "light" | "dark";

export interface Settings {
  theme: Theme;
  /** "auto" (the system's) or a BCP-47 tag. */
  language: string;
  /** null: the library's calibrated cutoff; else a fixed cosine. */
  cutoff: number | null;
  /** Show cosine scores as numbers (badges, slider, preview), not only in words. */
  showScores: boolean;
}

export const DEFAULTS: Settings = { theme: "system", language: "auto", cutoff: null, showScores: false };
const KEY = "clipdex.settings";

/** Reads settings, keeping defaults for anything missing or malformed. */
export function parseSettings(raw: string | null): Settings {
  let v: Partial<Settings> = {};
  try {
    v = raw ? JSON.parse(raw) : {};
  } catch {
    v = {};
  }
  const theme: Theme = v.theme === "light" || v.theme === "dark" ? v.theme : "system";
  const language = typeof v.language === "string" && /^(auto|[a-z]{2,3}(-[A-Za-z0-9]+)*)$/.test(v.language) ? v.language : "auto";
  const cutoff = typeof v.cutoff === "number" && Number.isFinite(v.cutoff) && v.cutoff >= -1 && v.cutoff <= 1 ? v.cutoff : null;
  const showScores = v.showScores === true;
  return { theme, language, cutoff, showScores };
}

export function loadSettings(): Settings {
  try {
    return parseSettings(localStorage.getItem(KEY));
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(s: Settings) {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Storage refused (private mode, quota): the settings hold for this session.
  }
}

/** The theme the window shows: the chosen one, or the system's. */
export function effectiveTheme(theme: Theme, systemDark: boolean): "light" | "dark" {
  return theme === "system" ? (systemDark ? "dark" : "light") : theme;
}
