//! Which languages pictures are read in: the library's choice, else the
//! user's language and English, always limited to the languages the engine
//! has data for.

/// Read when nothing else is chosen or installed.
pub const DEFAULT_LANGUAGE: &str = "eng";

/// ISO 639-1 codes (what locales and UI languages use) to Tesseract's.
const CODES: &[(&str, &str)] = &[
    ("ar", "ara"),
    ("bg", "bul"),
    ("cs", "ces"),
    ("da", "dan"),
    ("de", "deu"),
    ("el", "ell"),
    ("en", "eng"),
    ("es", "spa"),
    ("fi", "fin"),
    ("fr", "fra"),
    ("he", "heb"),
    ("hi", "hin"),
    ("hu", "hun"),
    ("id", "ind"),
    ("it", "ita"),
    ("ja", "jpn"),
    ("ko", "kor"),
    ("nb", "nor"),
    ("nl", "nld"),
    ("no", "nor"),
    ("pl", "pol"),
    ("pt", "por"),
    ("ro", "ron"),
    ("ru", "rus"),
    ("sk", "slk"),
    ("sv", "swe"),
    ("th", "tha"),
    ("tr", "tur"),
    ("uk", "ukr"),
    ("vi", "vie"),
    ("zh", "chi_sim"),
];

/// Tesseract's code for a language tag or locale ("de", "pt-BR",
/// "de_DE.UTF-8"); Chinese as written in Taiwan and Hong Kong is `chi_tra`.
pub fn tesseract_code(tag: &str) -> Option<&'static str> {
    let tag = tag.split(['.', '@']).next().unwrap_or("").replace('_', "-").to_ascii_lowercase();
    let lang = tag.split('-').next().unwrap_or("");
    if lang == "zh" && ["-tw", "-hk", "-mo", "-hant"].iter().any(|r| tag.contains(r)) {
        return Some("chi_tra");
    }
    CODES.iter().find(|(iso, _)| *iso == lang).map(|(_, t)| *t)
}

/// The user's language from the environment (`LC_ALL`, `LC_MESSAGES`, `LANG`).
fn environment_language() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty() && v != "C" && v != "POSIX"))
}

/// The languages to read: `chosen` (the library's setting) where the
/// engine has data; else the UI language (`ui`, else the environment's)
/// and English, where it has; else whatever it has first.
pub(crate) fn choose(chosen: Option<&[String]>, ui: Option<&str>, installed: &[String]) -> Vec<String> {
    let have = |l: &String| installed.contains(l);
    if let Some(c) = chosen {
        let kept: Vec<String> = c.iter().filter(|l| have(l)).cloned().collect();
        if !kept.is_empty() {
            return kept;
        }
    }
    let ui = ui.map(str::to_string).or_else(environment_language);
    let mut out: Vec<String> = Vec::new();
    for l in ui.as_deref().and_then(tesseract_code).into_iter().chain([DEFAULT_LANGUAGE]) {
        let l = l.to_string();
        if have(&l) && !out.contains(&l) {
            out.push(l);
        }
    }
    if out.is_empty() {
        out.extend(installed.first().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_ui_language_and_english_where_installed_else_the_choice() {
        let installed = v(&["deu", "eng", "chi_tra"]);
        assert_eq!(choose(None, Some("de-AT"), &installed), v(&["deu", "eng"]));
        assert_eq!(choose(None, Some("fr_FR.UTF-8"), &installed), v(&["eng"]), "no French data");
        assert_eq!(choose(None, Some("zh-TW"), &installed), v(&["chi_tra", "eng"]));
        assert_eq!(choose(Some(&v(&["eng", "xxx"])), Some("de"), &installed), v(&["eng"]));
        assert_eq!(choose(None, Some("en"), &v(&["jpn"])), v(&["jpn"]));
        assert_eq!(tesseract_code("pt_BR.UTF-8"), Some("por"));
        assert_eq!(tesseract_code("zh-Hans"), Some("chi_sim"));
    }
}
