//! Which query words match which recognised words, in one place: the
//! keyword index is given [`index_terms`] of each word, and a query word
//! matches when it is one of them ([`matches`] says the same without an
//! index). Both sides are folded first: lower case, accents dropped (NFD,
//! then combining marks removed: "Café" is "cafe"; scripts without such
//! marks are left as they are).
//!
//! A recognised word is matched by:
//! - itself, whole;
//! - any prefix of at least [`MIN_PART`] characters ("hard" finds "HARDWARE");
//! - when it holds a digit (a product code, a plate, a part number), any
//!   run of at least [`MIN_PART`] characters inside it ("RE16" finds
//!   "XRE16B", a bug Immich users hit). Words are split on anything not a
//!   letter or digit, and a word written with joiners ("XJ-2045") is also
//!   indexed joined ("xj2045");
//! - in scripts written without spaces (Chinese, Japanese, Korean), any run
//!   of two to four characters.

use unicode_normalization::char::is_combining_mark;

use crate::Word;
use unicode_normalization::UnicodeNormalization;

/// The shortest prefix or inner run that matches.
pub const MIN_PART: usize = 3;
/// Longer pieces are indexed by their prefixes only.
const MAX_CODE: usize = 24;

/// Lower case without accents.
pub fn fold(s: &str) -> String {
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The folded pieces of a text: runs of letters and digits.
pub fn pieces(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// Kana, CJK ideographs and Hangul: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Every term a recognised word (as the engine wrote it) is found by.
pub fn index_terms(word: &str) -> Vec<String> {
    let mut parts = pieces(word);
    if parts.len() > 1 {
        parts.push(parts.concat());
    }
    let mut out: Vec<String> = Vec::new();
    for p in &parts {
        let chars: Vec<char> = p.chars().collect();
        let n = chars.len();
        out.push(p.clone());
        if chars.iter().any(|c| is_cjk(*c)) {
            for len in 2..=4.min(n) {
                out.extend(chars.windows(len).map(|w| w.iter().collect::<String>()));
            }
        } else if chars.iter().any(char::is_ascii_digit) && n <= MAX_CODE {
            for start in 0..n {
                for end in start + MIN_PART..=n {
                    out.push(chars[start..end].iter().collect());
                }
            }
        } else {
            out.extend((MIN_PART..n).map(|len| chars[..len].iter().collect::<String>()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the query word `query` (any case, accents) matches the recognised word `word`.
pub fn matches(query: &str, word: &str) -> bool {
    let q = fold(query);
    !q.is_empty() && index_terms(word).contains(&q)
}

/// Neighbours on one line read apart ("XRE" "16B" for "XRE16B"), of
/// which one holds a digit: the pair is matched joined too.
fn joined_pairs(words: &[Word]) -> impl Iterator<Item = (usize, String)> + '_ {
    words.windows(2).enumerate().filter_map(|(i, p)| {
        let (a, b) = (&p[0], &p[1]);
        let digit = |w: &Word| w.text.chars().any(|c| c.is_ascii_digit());
        let char_w = |w: &Word| w.w / w.text.chars().count().max(1) as f32;
        let overlap = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
        let gap = b.x - (a.x + a.w);
        let near = gap >= -0.5 * char_w(a) && gap <= 1.5 * char_w(a).max(char_w(b));
        (overlap > 0.5 * a.h.min(b.h) && near && (digit(a) || digit(b))).then(|| (i, format!("{}{}", a.text, b.text)))
    })
}

/// The terms of a whole reading, space-separated, for a keyword index.
pub fn reading_terms(words: &[Word]) -> String {
    let mut all: Vec<String> = words.iter().flat_map(|w| index_terms(&w.text)).collect();
    all.extend(joined_pairs(words).flat_map(|(_, joined)| index_terms(&joined)));
    all.sort();
    all.dedup();
    all.join(" ")
}

/// The words of a reading that `query` (a query's words, any case) finds,
/// by index, in order.
pub fn matched_words(words: &[Word], query: &[String]) -> Vec<usize> {
    let query: Vec<String> = query.iter().map(|q| fold(q)).filter(|q| !q.is_empty()).collect();
    let finds = |text: &str| {
        let terms = index_terms(text);
        query.iter().any(|q| terms.contains(q))
    };
    let mut hit = vec![false; words.len()];
    for (i, w) in words.iter().enumerate() {
        hit[i] |= finds(&w.text);
    }
    for (i, joined) in joined_pairs(words) {
        if finds(&joined) {
            hit[i] = true;
            hit[i + 1] = true;
        }
    }
    (0..words.len()).filter(|&i| hit[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_by_prefix_and_codes_inside_whatever_the_case_or_accents() {
        assert!(matches("acme", "ACME"));
        assert!(matches("Hard", "HARDWARE"));
        assert!(!matches("ware", "HARDWARE"), "inside a plain word: no");
        assert!(!matches("ha", "HARDWARE"), "too short a prefix");
        assert!(matches("RE16", "XRE16B"));
        assert!(matches("2045", "XJ-2045"));
        assert!(matches("xj2045", "XJ-2045"));
        assert!(matches("cafe", "Café"));
        assert!(matches("CAFÉ", "cafe"));
        assert!(matches("straße", "STRASSE") || matches("strasse", "STRASSE"));
        assert!(matches("東京", "東京駅"));
        assert!(!matches("", "ACME"));
    }

    fn word(text: &str, x: f32) -> Word {
        Word { text: text.into(), x, y: 0.1, w: 0.03 * text.len() as f32, h: 0.05, conf: 90.0 }
    }

    #[test]
    fn terms_are_folded_unique_and_space_separated() {
        assert_eq!(reading_terms(&[word("Acme", 0.0), word("ACME!", 0.5)]), "acm acme");
        assert_eq!(pieces("Wi-Fi: 5GHz"), ["wi", "fi", "5ghz"]);
    }

    #[test]
    fn a_code_read_in_two_pieces_is_found_joined_and_only_beside_each_other() {
        // "XRE" then "16B" a letter's width later, on one line.
        let words = [word("ACME", 0.0), word("XRE", 0.2), word("16B", 0.3), word("16B", 0.8)];
        assert!(reading_terms(&words).split(' ').any(|t| t == "re16"));
        assert_eq!(matched_words(&words, &["RE16".into()]), [1, 2]);
        assert_eq!(matched_words(&words, &["acm".into(), "zzz".into()]), [0]);
    }
}
