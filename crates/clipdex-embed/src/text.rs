//! Text to token ids, configured from the export's own tokenizer files.

use std::path::Path;

use tokenizers::{
    PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection, TruncationParams,
    TruncationStrategy,
};

use crate::config::{Clean, TextSettings};
use crate::error::{EmbedError, Result};
use crate::lang;

/// Token ids and attention mask for one text, always `context_length` long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
}

pub struct TextTokenizer {
    inner: Tokenizer,
    context_length: usize,
    pad_id: u32,
    clean: Clean,
    /// FLORES-200 codes the tokenizer knows as added tokens; non-empty for
    /// text towers that take a language code in front of the text.
    languages: Vec<String>,
}

/// open_clip's `canonicalize_text`: `_` to space, ASCII punctuation
/// removed, lowercase, whitespace collapsed.
pub fn canonicalize(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| if c == '_' { ' ' } else { c })
        .filter(|c| !c.is_ascii_punctuation())
        .collect::<String>()
        .to_lowercase();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cleans text the way the export's config asks.
pub fn clean(text: &str, how: Clean) -> String {
    match how {
        Clean::Whitespace => text.split_whitespace().collect::<Vec<_>>().join(" "),
        Clean::Lower => text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" "),
        Clean::Canonicalize => canonicalize(text),
    }
}

impl TextTokenizer {
    pub fn from_file(path: &Path, settings: &TextSettings) -> Result<Self> {
        let bad = |reason: String| EmbedError::Tokenizer { path: path.to_path_buf(), reason };
        let mut inner = Tokenizer::from_file(path).map_err(|e| bad(e.to_string()))?;
        let ctx = settings.context_length;
        // Without a pad token, pad with 0 as open_clip's own tokenizer does.
        let (pad_id, pad_token) = match &settings.pad_token {
            Some(t) => match inner.token_to_id(t) {
                Some(id) => (id, t.clone()),
                None => return Err(bad(format!("the pad token {t:?} is not in the vocabulary"))),
            },
            None => (0, inner.id_to_token(0).unwrap_or_default()),
        };
        inner
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: ctx,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| bad(e.to_string()))?;
        let mut languages: Vec<String> = inner
            .get_added_tokens_decoder()
            .values()
            .map(|t| t.content.clone())
            .filter(|t| lang::is_flores_code(t))
            .collect();
        languages.sort();
        // One code could be a coincidence; a language-prefixed vocabulary has many.
        if languages.len() < 2 {
            languages.clear();
        }
        inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(ctx),
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token,
        }));
        Ok(Self { inner, context_length: ctx, pad_id, clean: settings.clean, languages })
    }

    /// FLORES-200 codes this text tower takes in front of the text; empty
    /// when it takes none.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// The code to put in front of the text, for towers that take one:
    /// `lang` (a BCP-47 tag or FLORES-200 code) if given, else English.
    pub fn language_code(&self, lang: Option<&str>) -> Result<Option<String>> {
        if self.languages.is_empty() {
            return Ok(None);
        }
        let code = match lang.map(str::trim).filter(|l| !l.is_empty()) {
            None => "eng_Latn".to_string(),
            Some(l) => lang::to_flores(l).ok_or_else(|| EmbedError::UnknownLanguage {
                lang: l.to_string(),
                hint: "give a BCP-47 tag such as de, pt-BR or zh-TW, or a FLORES-200 code such as deu_Latn".into(),
            })?,
        };
        if self.languages.binary_search(&code).is_err() {
            return Err(EmbedError::UnknownLanguage {
                lang: lang.unwrap_or("en").to_string(),
                hint: format!("this model's tokenizer has no {code} ({} languages known)", self.languages.len()),
            });
        }
        Ok(Some(code))
    }

    pub fn context_length(&self) -> usize {
        self.context_length
    }

    /// Tokenises one text: cleaned as the export asks (whitespace runs
    /// collapse; SigLIP-style exports also lowercase and drop punctuation),
    /// the language code put in front for towers that take one (`lang`, else
    /// English), text past the context length cut, keeping the end token.
    pub fn encode(&self, text: &str, lang: Option<&str>) -> Result<Tokens> {
        let mut clean = clean(text, self.clean);
        if let Some(code) = self.language_code(lang)? {
            clean = format!("{code}{clean}");
        }
        let enc = self.inner.encode(clean.as_str(), true).map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let mut ids: Vec<i64> = enc.get_ids().iter().map(|&i| i as i64).collect();
        let mut mask: Vec<i64> = enc.get_attention_mask().iter().map(|&i| i as i64).collect();
        // Truncation plus fixed padding already give exactly `ctx` tokens; this
        // only guards the shape the graph expects.
        ids.resize(self.context_length, self.pad_id as i64);
        mask.resize(self.context_length, 0);
        Ok(Tokens { ids, mask })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_follows_open_clip() {
        assert_eq!(canonicalize("  A Red_Sled, in   the SNOW! "), "a red sled in the snow");
        assert_eq!(canonicalize("Ein roter Schlitten (2019)."), "ein roter schlitten 2019");
        assert_eq!(canonicalize("红色的雪橇。"), "红色的雪橇。", "only ASCII punctuation is removed");
        assert_eq!(clean("  A  dog ", Clean::Whitespace), "A dog");
        assert_eq!(clean("  A  Dog ", Clean::Lower), "a dog");
    }
}
