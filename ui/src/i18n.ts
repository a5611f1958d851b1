// The window's words in the user's language. Keys are the English text
// (so an untranslated string still reads right); `{name}` marks a value.
// The language also sets how dates and numbers are written and which
// language code a multilingual model is given for queries.

export interface Language {
  /** BCP-47 tag. */
  tag: string;
  name: string;
  /** Whether the window's words are translated (else only queries and dates use it). */
  ui: boolean;
}

export const LANGUAGES: Language[] = [
  { tag: "en", name: "English", ui: true },
  { tag: "de", name: "Deutsch", ui: true },
  { tag: "fr", name: "Français", ui: false },
  { tag: "es", name: "Español", ui: false },
  { tag: "it", name: "Italiano", ui: false },
  { tag: "pt", name: "Português", ui: false },
  { tag: "nl", name: "Nederlands", ui: false },
  { tag: "pl", name: "Polski", ui: false },
  { tag: "ja", name: "日本語", ui: false },
  { tag: "zh", name: "中文", ui: false },
];

const DE: Record<string, string> = {
  "Describe a photo… e.g. kids on a red sled": "Beschreibe ein Foto … z. B. Kinder auf einem roten Schlitten",
  "Search your photos": "Fotos durchsuchen",
  "Add folder…": "Ordner hinzufügen …",
  "Library": "Bibliothek",
  "Settings": "Einstellungen",
  "Models": "Modelle",
  "Close": "Schließen",
  "Cancel": "Abbrechen",
  "Pause": "Anhalten",
  "Resume": "Fortsetzen",
  "Retry": "Erneut versuchen",
  "Retry all": "Alle erneut versuchen",
  "Remove": "Entfernen",
  "Dismiss": "Ausblenden",
  "Relevance ≥": "Relevanz ≥",
  "Relevance cutoff": "Relevanzschwelle",
  "default": "Standard",
  "Sort": "Sortieren",
  "by relevance": "nach Relevanz",
  "by date": "nach Datum",
  "Match": "Treffer",
  "meaning + keywords": "Bedeutung + Stichwörter",
  "meaning only": "nur Bedeutung",
  "keywords only": "nur Stichwörter",
  "Grid": "Raster",
  "Heatmap": "Heatmap",
  "Your library is empty": "Deine Bibliothek ist leer",
  "Add a folder of photos. Clipdex indexes them on this computer — nothing leaves it.":
    "Füge einen Ordner mit Fotos hinzu. Clipdex indiziert sie auf diesem Computer – nichts verlässt ihn.",
  "No matches for “{q}”.": "Keine Treffer für „{q}“.",
  "Try other words, fewer filters, or a photo instead: drop one on the window.":
    "Versuche andere Wörter, weniger Filter oder ein Foto: Zieh eines ins Fenster.",
  "No photos match these filters.": "Keine Fotos passen zu diesen Filtern.",
  "All photos": "Alle Fotos",
  "New photos — show them": "Neue Fotos – anzeigen",
  "Weaker matches": "Schwächere Treffer",
  "No close matches — the nearest photos": "Keine engen Treffer – die ähnlichsten Fotos",
  "No close matches": "Keine engen Treffer",
  "1 match": "1 Treffer",
  "{n} matches": "{n} Treffer",
  "Search your photos (press / from anywhere)": "Fotos durchsuchen (/ drücken, von überall)",
  "Strong match": "Starker Treffer",
  "Good match": "Guter Treffer",
  "Weak match": "Schwacher Treffer",
  "name match": "Name passt",
  "tag match": "Schlagwort passt",
  "camera match": "Kamera passt",
  "text match": "Text passt",
  "words in the photo": "Wörter im Foto",
  "Text": "Text",
  "Text in the photo": "Text im Foto",
  "Copy text": "Text kopieren",
  "Text copied": "Text kopiert",
  "Reading text in photos: {done} of {total}": "Lese Text in Fotos: {done} von {total}",
  "Text in photos": "Text in Fotos",
  "Text in photos is off: {reason}": "Text in Fotos ist aus: {reason}",
  "Photos with words in them: {n}": "Fotos mit Wörtern darin: {n}",
  "{n} waiting to be read": "{n} warten aufs Lesen",
  "Matches": "Treffer",
  "Strict": "Streng",
  "Balanced": "Ausgewogen",
  "Loose": "Locker",
  "Only close matches above the line": "Nur enge Treffer über der Linie",
  "The line calibrated for this library": "Die Linie, für diese Bibliothek kalibriert",
  "More above the line, some less close": "Mehr über der Linie, manche weniger eng",
  "Show match scores as numbers": "Trefferwerte als Zahlen zeigen",
  "{i} of {n}": "{i} von {n}",
  "Open in the system's viewer": "Im Standardprogramm öffnen",
  "Info": "Info",
  "More actions": "Weitere Aktionen",
  "Path copied": "Pfad kopiert",
  "Previous photo": "Vorheriges Foto",
  "Next photo": "Nächstes Foto",
  "{n} photos": "{n} Fotos",
  "{n} photo": "{n} Foto",
  "{n} videos": "{n} Videos",
  "{n} video": "{n} Video",
  "{n} photos and videos": "{n} Fotos und Videos",
  "{n} to index": "{n} zu indizieren",
  "{n} could not be read": "{n} nicht lesbar",
  "Looking for photos…": "Suche nach Fotos …",
  "Indexing {done} of {total}": "Indiziere {done} von {total}",
  "Tagging {done} of {total}": "Verschlagworte {done} von {total}",
  "Preparing tags for this model (once): {done} of {total} prompts":
    "Bereite Schlagwörter für dieses Modell vor (einmalig): {done} von {total}",
  "Paused": "Angehalten",
  "{rate} photos/s": "{rate} Fotos/s",
  "about {eta} left": "noch etwa {eta}",
  "More like this": "Mehr davon",
  "Add to query": "Zur Suche hinzufügen",
  "Open": "Öffnen",
  "Show in folder": "Im Ordner zeigen",
  "Copy path": "Pfad kopieren",
  "Path": "Pfad",
  "Taken": "Aufgenommen",
  "Modified": "Geändert",
  "Camera": "Kamera",
  "Size": "Größe",
  "Score": "Wert",
  "Tags": "Schlagwörter",
  "Caption": "Beschreibung",
  "Copies": "Kopien",
  "Folders": "Ordner",
  "Watched by file events": "Überwacht (Dateiereignisse)",
  "Watched by polling: {why}": "Überwacht durch Abfragen: {why}",
  "Not watched while indexing": "Während des Indizierens nicht überwacht",
  "Not watched": "Nicht überwacht",
  "Files Clipdex could not read": "Dateien, die Clipdex nicht lesen konnte",
  "Videos not indexed yet": "Noch nicht erfasste Videos",
  "{n} videos not indexed yet": "{n} Videos noch nicht erfasst",
  "{n} video not indexed yet": "{n} Video noch nicht erfasst",
  "Video": "Video",
  "video": "Video",
  "at {time}": "bei {time}",
  "Moments": "Momente",
  "Play from {time}": "Ab {time} abspielen",
  "Best moment": "Bester Moment",
  "This video cannot be played here; Open plays it in the system's player.": "Dieses Video lässt sich hier nicht abspielen; „Öffnen“ spielt es im Player des Systems ab.",
  "None: every file was read.": "Keine: jede Datei wurde gelesen.",
  "Remove {folder} from the library? The photos stay on disk.":
    "{folder} aus der Bibliothek entfernen? Die Fotos bleiben auf der Festplatte.",
  "Theme": "Erscheinungsbild",
  "System": "System",
  "Light": "Hell",
  "Dark": "Dunkel",
  "Language": "Sprache",
  "Automatic ({tag})": "Automatisch ({tag})",
  "Default relevance cutoff": "Standard-Relevanzschwelle",
  "Calibrated for this library (recommended)": "Für diese Bibliothek kalibriert (empfohlen)",
  "Fixed": "Fest",
  "Clipdex could not open your library": "Clipdex konnte deine Bibliothek nicht öffnen",
  "Try again": "Erneut versuchen",
  "Drop a photo to find ones like it": "Foto ablegen, um ähnliche zu finden",
  "The query stops making sense here: expected {what}.": "Hier ergibt die Suche keinen Sinn mehr: erwartet {what}.",
  "weight": "Gewicht",
  "Drop here to search with this photo": "Hier ablegen, um mit diesem Foto zu suchen",
  "Loading more…": "Lade weitere …",
  "The library changed — refresh the results": "Die Bibliothek hat sich geändert – Treffer aktualisieren",
  "in use": "in Verwendung",
  "Download": "Herunterladen",
  "Continue switching": "Wechsel fortsetzen",
  "Use for this library": "Für diese Bibliothek verwenden",
  "Runs on": "Läuft auf",
  "In this library": "In dieser Bibliothek",
  "Compare": "Vergleichen",
  "Index the library with a second model to compare the two on your own photos.":
    "Indiziere die Bibliothek mit einem zweiten Modell, um beide an deinen eigenen Fotos zu vergleichen.",
  "A query to compare": "Suche zum Vergleichen",
  "Available": "Verfügbar",
  "Models folder:": "Modellordner:",
  "Add a prompt (e.g. beach, sunset, dog)": "Begriff hinzufügen (z. B. Strand, Sonnenuntergang, Hund)",
  "Add": "Hinzufügen",
  "Export PNG": "Als PNG exportieren",
  "Export CSV": "Als CSV exportieren",
  "Open preview": "Vorschau öffnen",
  "a match": "ein Treffer",
  "some likeness": "etwas ähnlich",
  "unrelated": "unverwandt",
  "match line": "Trefferlinie",
  "least alike here": "hier am wenigsten ähnlich",
  "most alike here": "hier am ähnlichsten",
  "marks calibrated for this model on your library": "Marken für dieses Modell auf deiner Bibliothek kalibriert",
  "not calibrated yet: colours compare these cells only": "noch nicht kalibriert: die Farben vergleichen nur diese Zellen",
  "{shown} of {n} results": "{shown} von {n} Ergebnissen",
  "Show more": "Mehr zeigen",
  "Help with the filter": "Hilfe zum Filter",
  "From the day": "Ab dem Tag",
  "Before the day": "Vor dem Tag",
  "Search as plain text": "Als reinen Text suchen",
  "Filters": "Filter",
  "Timeline": "Zeitleiste",
  "Filter by date, camera, folder, type or words in the photo in the search box: after:2024-06-01 camera:pixel text:receipt":
    "Nach Datum, Kamera, Ordner, Typ oder Wörtern im Foto filterst du im Suchfeld: after:2024-06-01 camera:pixel text:receipt",
};

const CATALOGUES: Record<string, Record<string, string>> = { de: DE };

/** `s` in `lang` (a BCP-47 tag; only its language matters), values filled in. */
export function translate(lang: string, s: string, vars: Record<string, string | number> = {}): string {
  const base = lang.toLowerCase().split(/[-_]/)[0];
  const text = CATALOGUES[base]?.[s] ?? s;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** A tag the Intl APIs accept, else "en" (a web view under LANG=C reports "c"). */
export function validTag(tag: string | undefined | null): string {
  try {
    return (tag && Intl.getCanonicalLocales(tag)[0]) || "en";
  } catch {
    return "en";
  }
}

/** The language in effect: the chosen one, or the system's. */
export function effectiveLanguage(choice: string, system: string): string {
  return validTag(choice === "auto" ? system : choice);
}
