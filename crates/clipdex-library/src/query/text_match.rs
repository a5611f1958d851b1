//! Which words read in a hit's picture its query found, with their boxes
//! (what the preview highlights and `why` names: `text: ACME`).

use super::fusion::STOP_WORDS;
use super::Hit;
use crate::error::Result;
use crate::state::State;

/// The words a query looks for in pictures: its text's and its `text:`
/// filters' pieces (folded), without stop words.
pub(crate) fn query_words(keyword_text: &str, filter_words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = clipdex_ocr::terms::pieces(keyword_text)
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .chain(filter_words.iter().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Gives each hit whose picture holds some of `words` its matched words
/// (`text_match`), and names them in `why` when the keyword half or a
/// `text:` filter found it.
pub(crate) async fn attach(state: &State, hits: &mut [Hit], words: &[String], filtered: bool) -> Result<()> {
    if words.is_empty() {
        return Ok(());
    }
    let holds = |h: &Hit| {
        let terms = h.details.as_ref().and_then(|d| d.text_terms.as_deref()).unwrap_or("");
        terms.split(' ').any(|t| words.iter().any(|w| w == t))
    };
    let ids: Vec<String> = hits.iter().filter(|h| holds(h)).map(|h| h.id.clone()).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let texts = state.store.texts_of_items(&ids).await?;
    for h in hits.iter_mut() {
        let Some(rows) = texts.get(&h.id) else { continue };
        for r in rows {
            let read = crate::text::words_of(r);
            h.text_match.extend(clipdex_ocr::terms::matched_words(&read, words).into_iter().map(|i| read[i].clone()));
        }
        if !h.text_match.is_empty() && (filtered || h.why.keyword_rank.is_some()) {
            let mut shown: Vec<&str> = Vec::new();
            for w in &h.text_match {
                if !shown.contains(&w.text.as_str()) {
                    shown.push(&w.text);
                }
            }
            h.why.keyword_fields.retain(|f| f != "keywords");
            h.why.keyword_fields.push(format!("text: {}", shown.join(" ")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_folded_pieces_without_stop_words() {
        assert_eq!(query_words("The receipt from ACME", &["hardware".into()]), ["acme", "from", "hardware", "receipt"]);
    }
}
