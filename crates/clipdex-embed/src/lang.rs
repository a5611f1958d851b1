//! Query languages for text towers that take a language code with the text
//! (NLLB-based exports: a FLORES-200 code such as `deu_Latn` in front of the
//! text). Whether a model wants one is read from its tokenizer: such
//! tokenizers carry the codes as added tokens. Users give a BCP-47 tag
//! (`de`, `pt-BR`, `zh-TW`, the UI language) or a FLORES-200 code.

/// BCP-47 primary tags (and a few script/region tags) to FLORES-200 codes.
const BCP47_TO_FLORES: &[(&str, &str)] = &[
    ("af", "afr_Latn"),
    ("am", "amh_Ethi"),
    ("ar", "arb_Arab"),
    ("az", "azj_Latn"),
    ("be", "bel_Cyrl"),
    ("bg", "bul_Cyrl"),
    ("bn", "ben_Beng"),
    ("bs", "bos_Latn"),
    ("ca", "cat_Latn"),
    ("cs", "ces_Latn"),
    ("cy", "cym_Latn"),
    ("da", "dan_Latn"),
    ("de", "deu_Latn"),
    ("el", "ell_Grek"),
    ("en", "eng_Latn"),
    ("eo", "epo_Latn"),
    ("es", "spa_Latn"),
    ("et", "est_Latn"),
    ("eu", "eus_Latn"),
    ("fa", "pes_Arab"),
    ("fi", "fin_Latn"),
    ("fil", "tgl_Latn"),
    ("fr", "fra_Latn"),
    ("ga", "gle_Latn"),
    ("gl", "glg_Latn"),
    ("gu", "guj_Gujr"),
    ("he", "heb_Hebr"),
    ("hi", "hin_Deva"),
    ("hr", "hrv_Latn"),
    ("hu", "hun_Latn"),
    ("hy", "hye_Armn"),
    ("id", "ind_Latn"),
    ("is", "isl_Latn"),
    ("it", "ita_Latn"),
    ("ja", "jpn_Jpan"),
    ("ka", "kat_Geor"),
    ("kk", "kaz_Cyrl"),
    ("km", "khm_Khmr"),
    ("kn", "kan_Knda"),
    ("ko", "kor_Hang"),
    ("lb", "ltz_Latn"),
    ("lo", "lao_Laoo"),
    ("lt", "lit_Latn"),
    ("lv", "lvs_Latn"),
    ("mk", "mkd_Cyrl"),
    ("ml", "mal_Mlym"),
    ("mn", "khk_Cyrl"),
    ("mr", "mar_Deva"),
    ("ms", "zsm_Latn"),
    ("mt", "mlt_Latn"),
    ("my", "mya_Mymr"),
    ("nb", "nob_Latn"),
    ("ne", "npi_Deva"),
    ("nl", "nld_Latn"),
    ("nn", "nno_Latn"),
    ("no", "nob_Latn"),
    ("pa", "pan_Guru"),
    ("pl", "pol_Latn"),
    ("pt", "por_Latn"),
    ("ro", "ron_Latn"),
    ("ru", "rus_Cyrl"),
    ("si", "sin_Sinh"),
    ("sk", "slk_Latn"),
    ("sl", "slv_Latn"),
    ("sq", "als_Latn"),
    ("sr", "srp_Cyrl"),
    ("sv", "swe_Latn"),
    ("sw", "swh_Latn"),
    ("ta", "tam_Taml"),
    ("te", "tel_Telu"),
    ("th", "tha_Thai"),
    ("tl", "tgl_Latn"),
    ("tr", "tur_Latn"),
    ("uk", "ukr_Cyrl"),
    ("ur", "urd_Arab"),
    ("uz", "uzn_Latn"),
    ("vi", "vie_Latn"),
    ("zh", "zho_Hans"),
    ("zh-cn", "zho_Hans"),
    ("zh-sg", "zho_Hans"),
    ("zh-hans", "zho_Hans"),
    ("zh-tw", "zho_Hant"),
    ("zh-hk", "zho_Hant"),
    ("zh-mo", "zho_Hant"),
    ("zh-hant", "zho_Hant"),
];

/// Whether `s` has the shape of a FLORES-200 code: `xxx_Xxxx`.
pub fn is_flores_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..3].iter().all(u8::is_ascii_lowercase)
        && b[3] == b'_'
        && b[4].is_ascii_uppercase()
        && b[5..].iter().all(u8::is_ascii_lowercase)
}

/// The FLORES-200 code for a BCP-47 tag or a FLORES-200 code, if known.
/// `de-DE` falls back to `de`; `zh-Hant-TW` to `zh-hant`.
pub fn to_flores(lang: &str) -> Option<String> {
    let lang = lang.trim();
    if is_flores_code(lang) {
        return Some(lang.to_string());
    }
    let tag = lang.replace('_', "-").to_ascii_lowercase();
    let parts: Vec<&str> = tag.split('-').filter(|p| !p.is_empty()).collect();
    for n in (1..=parts.len().min(2)).rev() {
        let key = parts[..n].join("-");
        if let Some((_, code)) = BCP47_TO_FLORES.iter().find(|(k, _)| *k == key) {
            return Some(code.to_string());
        }
    }
    // zh-Hant-TW, zh-Hans-CN: script wins over region.
    if parts.len() >= 2 {
        let key = format!("{}-{}", parts[0], parts[1]);
        if let Some((_, code)) = BCP47_TO_FLORES.iter().find(|(k, _)| *k == key) {
            return Some(code.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_codes_resolve() {
        assert_eq!(to_flores("de").as_deref(), Some("deu_Latn"));
        assert_eq!(to_flores("de-DE").as_deref(), Some("deu_Latn"));
        assert_eq!(to_flores("pt_BR").as_deref(), Some("por_Latn"));
        assert_eq!(to_flores("zh-TW").as_deref(), Some("zho_Hant"));
        assert_eq!(to_flores("zh-Hant-HK").as_deref(), Some("zho_Hant"));
        assert_eq!(to_flores("zh").as_deref(), Some("zho_Hans"));
        assert_eq!(to_flores("jpn_Jpan").as_deref(), Some("jpn_Jpan"));
        assert_eq!(to_flores("xx"), None);
        assert!(is_flores_code("eng_Latn") && !is_flores_code("eng_latn") && !is_flores_code("en"));
        for (_, code) in BCP47_TO_FLORES {
            assert!(is_flores_code(code), "{code}");
        }
    }
}
