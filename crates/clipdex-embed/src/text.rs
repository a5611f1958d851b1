//! Text to token ids, configured from the export's own tokenizer files.

use std::path::Path;

use tokenizers::{
    PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection, TruncationParams,
    TruncationStrategy,
};

use crate::config::TextSettings;
use crate::error::{EmbedError, Result};

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
        inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(ctx),
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token,
        }));
        Ok(Self { inner, context_length: ctx, pad_id })
    }

    pub fn context_length(&self) -> usize {
        self.context_length
    }

    /// Tokenises one text. Runs of whitespace collapse to one space first;
    /// text past the context length is cut, keeping the end-of-text token.
    pub fn encode(&self, text: &str) -> Result<Tokens> {
        let clean = text.split_whitespace().collect::<Vec<_>>().join(" ");
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
