//! Search commands: `search` (one page of hits) and `query_outline` (the query as the engine reads it).

use clipdex_library::query::{self, PieceOf, TermKind};
use clipdex_library::{Mode, SearchOptions, Sort};
use tauri::State;

use crate::dto::{OutlineDto, PartDto, SearchDto, SyntaxDto};
use crate::error::IpcError;
use crate::AppState;

/// Results shown per query unless the window asks for another number.
const DEFAULT_LIMIT: usize = 60;
/// One page at most; the window asks for the next page as the user scrolls.
const MAX_LIMIT: usize = 2000;
/// Deeper than any library: past it there is nothing to page to.
const MAX_OFFSET: usize = 100_000_000;

/// Search with the query language (text, image paths, similar:<id>, weights,
/// filters), one page (`offset`, `limit`) at a time, plus `images`: encoded images (base64) the user dropped or
/// pasted, embedded on the fly and never added to the library — the window
/// sends bytes, never paths. `minScore` overrides the calibrated cutoff;
/// `mode` is `hybrid` (default), `vector` or `keyword`; `sort` is
/// `relevance` or `date`; `lang` is the query's language (the UI language:
/// a BCP-47 tag), used by text towers that take a language code (NLLB). An
/// empty library (or one with no model yet) gives no hits, not an error.
// One argument per wire field: Tauri commands take their arguments by name.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    offset: Option<usize>,
    min_score: Option<f32>,
    mode: Option<String>,
    sort: Option<String>,
    images: Option<Vec<String>>,
    lang: Option<String>,
) -> Result<SearchDto, IpcError> {
    use base64::Engine;
    let query = query.trim();
    let images = images.unwrap_or_default();
    if query.is_empty() && images.is_empty() {
        return Ok(SearchDto::default());
    }
    let bad = |m: String| IpcError { code: "bad_argument".into(), message: m };
    let image_bytes = images
        .iter()
        .enumerate()
        .map(|(i, b64)| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| bad(format!("query image {} is not valid base64: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let opts = SearchOptions {
        limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        offset: offset.unwrap_or(0).min(MAX_OFFSET),
        paths_as_text: true,
        min_score,
        mode: mode.as_deref().map(str::parse::<Mode>).transpose().map_err(bad)?.unwrap_or_default(),
        sort: sort.as_deref().map(str::parse::<Sort>).transpose().map_err(bad)?.unwrap_or_default(),
        images: Vec::new(),
        image_bytes,
        lang,
    };
    let library = state.library().await?;
    let Some(model) = state.search_model(&library).await? else { return Ok(SearchDto::default()) };
    let found = library.search(model, query, &opts).await?;
    Ok(SearchDto::from(found))
}

/// The query as the engine reads it: its terms and filters with their
/// places, or where it stops making sense. The same parser as search.
#[tauri::command]
pub fn query_outline(query: String) -> OutlineDto {
    outline(&query)
}

pub fn outline(src: &str) -> OutlineDto {
    // Character offsets → UTF-16 offsets.
    let mut utf16 = Vec::with_capacity(src.len() + 1);
    let mut at = 0;
    for c in src.chars() {
        utf16.push(at);
        at += c.len_utf16();
    }
    utf16.push(at);
    let u = |i: usize| utf16.get(i).copied().unwrap_or(at);
    match query::parse(src) {
        Err(e) => {
            OutlineDto { parts: Vec::new(), error: Some(SyntaxDto { position: u(e.position), expected: e.expected }) }
        }
        Ok(mut q) => outline_parts(src, &u, {
            // As the window's search reads it: a path is words to match, not a file to read.
            q.paths_as_text();
            q
        }),
    }
}

/// The parts of a parsed query, offsets converted by `u`.
fn outline_parts(src: &str, u: &dyn Fn(usize) -> usize, q: query::Query) -> OutlineDto {
    OutlineDto {
        parts: q
            .pieces
            .iter()
            .filter_map(|p| {
                let (kind, label, weight) = match p.of {
                    PieceOf::Term(i) => {
                        let t = q.terms.get(i)?;
                        let (kind, label) = match &t.kind {
                            TermKind::Text(s) => ("text", s.clone()),
                            TermKind::Image(path) => ("image", path.display().to_string()),
                            TermKind::Similar(id) => ("similar", id.clone()),
                        };
                        (kind, label, Some(t.weight))
                    }
                    PieceOf::Filter(_) => {
                        let text: String = src.chars().skip(p.start).take(p.end - p.start).collect();
                        ("filter", text, None)
                    }
                };
                Some(PartDto {
                    start: u(p.start),
                    atom_start: u(p.atom_start),
                    end: u(p.end),
                    kind: kind.into(),
                    label,
                    weight,
                })
            })
            .collect(),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_offsets_count_as_the_window_counts() {
        // "📷" is one character but two UTF-16 units.
        let o = outline("📷 beach -0.5:\"rain\" after:2024-01-31");
        let kinds: Vec<(&str, usize, usize, usize)> =
            o.parts.iter().map(|p| (p.kind.as_str(), p.start, p.atom_start, p.end)).collect();
        assert_eq!(kinds, vec![("text", 0, 0, 8), ("text", 9, 14, 20), ("filter", 21, 27, 37)]);
        assert_eq!(o.parts[1].weight, Some(-0.5));
        assert_eq!(o.parts[2].label, "after:2024-01-31");
        let bad = outline("📷 \"red car");
        assert_eq!(bad.error.map(|e| e.position), Some(3));
    }
}
