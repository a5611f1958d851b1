//! Search commands: `search` (one page of hits with the query's outline,
//! one call per keystroke) and `query_image` (a dropped or pasted picture,
//! registered once by its bytes).

use clipdex_library::{query, ErrorCode, Mode, SearchOptions, Sort, Strictness};
use tauri::State;

use crate::dto::{OutlineDto, SearchDto};
use crate::error::IpcError;
use crate::AppState;

/// Results shown per query unless the window asks for another number.
const DEFAULT_LIMIT: usize = 60;
/// One page at most; the window asks for the next page as the user scrolls.
const MAX_LIMIT: usize = 2000;
/// Deeper than any library: past it there is nothing to page to.
const MAX_OFFSET: usize = 100_000_000;

/// Search with the query language (text, similar:<id>, weights, filters;
/// image paths are read as words), one page (`offset`, `limit`) at a time,
/// plus `images`: tokens of pictures registered with `query_image`. The
/// answer carries the query's outline (its parts, with UTF-16 offsets into
/// `query` as sent, or where it stops making sense: then there are no hits,
/// and no error). A query without terms or images (empty, or filters only)
/// browses the library newest first, with its exact `total`. Sorted by
/// relevance, the matches below the cutoff follow the others (the window's
/// "Weaker matches"), and `matches` counts those above it; each hit's
/// `level` says how well it matches in words. The cutoff is the calibrated
/// mark `strictness` names (`strict`, `balanced`: the default, `loose`);
/// `minScore` replaces it with a cosine; `mode` is `hybrid` (default), `vector` or `keyword`;
/// `sort` is `relevance` or `date`; `lang` is the query's language (the UI
/// language: a BCP-47 tag), used by text towers that take a language code
/// (NLLB). An empty library (or one with no model yet) gives no hits, not
/// an error.
// One argument per wire field: Tauri commands take their arguments by name.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    offset: Option<usize>,
    min_score: Option<f32>,
    strictness: Option<String>,
    mode: Option<String>,
    sort: Option<String>,
    images: Option<Vec<String>>,
    lang: Option<String>,
) -> Result<SearchDto, IpcError> {
    // The outline's offsets count in the text exactly as sent; the search reads it trimmed.
    let outline = OutlineDto::from(query::outline(&query));
    let text = query.trim();
    let mut image_tokens = images.unwrap_or_default();
    // A picture named twice counts once.
    let mut seen = std::collections::HashSet::new();
    image_tokens.retain(|t| seen.insert(t.clone()));
    if image_tokens.len() > clipdex_library::QUERY_IMAGES_HELD {
        let n = image_tokens.len();
        let most = clipdex_library::QUERY_IMAGES_HELD;
        return Err(IpcError::new(ErrorCode::BadArgument, format!("{n} query images; a query takes {most} at most")));
    }
    if outline.error.is_some() {
        return Ok(SearchDto { outline, ..SearchDto::default() });
    }
    let bad = |m: String| IpcError::new(ErrorCode::BadArgument, m);
    let opts = SearchOptions {
        limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        offset: offset.unwrap_or(0).min(MAX_OFFSET),
        paths_as_text: true,
        min_score,
        strictness: strictness.as_deref().map(str::parse::<Strictness>).transpose().map_err(bad)?.unwrap_or_default(),
        mode: mode.as_deref().map(str::parse::<Mode>).transpose().map_err(bad)?.unwrap_or_default(),
        sort: sort.as_deref().map(str::parse::<Sort>).transpose().map_err(bad)?.unwrap_or_default(),
        image_tokens,
        lang,
        browse_empty: true,
        weaker: true,
        ..SearchOptions::default()
    };
    let library = state.library().await?;
    let Some(model) = state.search_model(&library).await? else {
        return Ok(SearchDto { outline, ..SearchDto::default() });
    };
    let found = library.search(model, text, &opts).await?;
    Ok(SearchDto::of(found, outline))
}

/// Registers a picture the user dropped or pasted (its bytes, base64) for
/// searching: decoded and embedded once, never added to the library. The
/// token names it in `search`'s `images`; the same bytes give the same token.
#[tauri::command]
pub async fn query_image(state: State<'_, AppState>, data: String) -> Result<String, IpcError> {
    use base64::Engine;
    // Base64 takes 4 characters for 3 bytes.
    let most = clipdex_library::QUERY_IMAGE_MAX_BYTES;
    if data.len() / 4 * 3 > most {
        let mb = most >> 20;
        return Err(IpcError::new(
            ErrorCode::BadArgument,
            format!("the picture is over {mb} MB; choose a smaller one"),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| IpcError::new(ErrorCode::BadArgument, format!("the picture is not valid base64: {e}")))?;
    let library = state.library().await?;
    let model = state.search_model(&library).await?.ok_or_else(|| {
        IpcError::new(ErrorCode::NoModel, "the library has no model yet to search with; add a folder first")
    })?;
    Ok(library.register_query_image(model, bytes).await?)
}
