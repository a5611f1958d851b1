//! How to run a query ([`SearchOptions`], [`Mode`], [`Sort`]) and what it
//! found ([`SearchResults`]).

use std::path::PathBuf;

use super::Hit;
use crate::relevance::{Marks, Strictness};

/// Which lists a search draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Nearest vectors only.
    Vector,
    /// Full-text matches over path words, tags, EXIF and captions only.
    Keyword,
    /// Both, fused by reciprocal rank.
    #[default]
    Hybrid,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "vector" => Ok(Mode::Vector),
            "keyword" => Ok(Mode::Keyword),
            "hybrid" => Ok(Mode::Hybrid),
            _ => Err(format!("unknown mode {s:?}: use vector, keyword or hybrid")),
        }
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first, by date taken, else file modification time. The
    /// results are still those above the cutoff.
    Date,
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "relevance" => Ok(Sort::Relevance),
            "date" => Ok(Sort::Date),
            _ => Err(format!("unknown sort {s:?}: use relevance or date")),
        }
    }
}

/// How to run a query.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    pub limit: usize,
    /// Results to skip first: `offset..offset + limit` is the page asked for.
    pub offset: usize,
    /// Read words that look like image paths as text (file names to match
    /// by keywords), never as files to open: for front ends that must not
    /// make the engine read a path (the window).
    pub paths_as_text: bool,
    /// Leave out vector matches below this cosine; `None` uses the library's
    /// calibrated default for the query's kind (text or image).
    pub min_score: Option<f32>,
    /// Without `min_score`, which calibrated mark is the cutoff.
    pub strictness: Strictness,
    pub mode: Mode,
    pub sort: Sort,
    /// Image files to add as query terms (weight 1).
    pub images: Vec<PathBuf>,
    /// Encoded images (dropped, pasted, uploaded, piped) to add as query
    /// terms (weight 1). Embedded on the fly, never added to the library.
    pub image_bytes: Vec<Vec<u8>>,
    /// Query images registered before ([`crate::Library::register_query_image`]),
    /// by token: added as query terms (weight 1) without sending or embedding them again.
    pub image_tokens: Vec<String>,
    /// The language the query text is written in (BCP-47 tag or FLORES-200
    /// code). Only text towers that take a language code use it (NLLB-based
    /// exports); `None` means English for those.
    pub lang: Option<String>,
    /// A query with no terms, no images and no filters lists the library,
    /// newest first, instead of failing with nothing to search for. (Filters
    /// alone always list what passes them, newest first.)
    pub browse_empty: bool,
    /// Sorted by relevance, the matches below the cutoff follow the ones
    /// above it, in cosine order, instead of being left out: the window's
    /// "Weaker matches", so a query never empties the page.
    pub weaker: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            limit: 20,
            offset: 0,
            paths_as_text: false,
            min_score: None,
            strictness: Strictness::Balanced,
            mode: Mode::Hybrid,
            sort: Sort::Relevance,
            images: Vec::new(),
            image_bytes: Vec::new(),
            image_tokens: Vec::new(),
            lang: None,
            browse_empty: false,
            weaker: false,
        }
    }
}

/// Photos in one calendar month (UTC) of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    pub count: usize,
}

/// What a search found, and how the cutoff shaped it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// The cosine cutoff applied to vector matches, if any.
    pub cutoff: Option<f32>,
    /// Whether `cutoff` is the library's calibrated default (not `min_score`).
    pub default_cutoff: bool,
    /// The query's calibrated marks (loose, balanced, strict), whatever the
    /// cutoff: each hit's [`crate::Level`] in words. `None` before the
    /// library is calibrated, and when browsing.
    pub marks: Option<Marks>,
    /// Vector matches the cutoff left out (of those fetched); with
    /// [`SearchOptions::weaker`] they follow the matches instead.
    pub below_cutoff: usize,
    /// Results above the cutoff in all pages together, exactly (relevance
    /// order; `None` when browsing). The first `matches - offset` hits of a
    /// page are above it.
    pub matches: Option<usize>,
    /// Browsing: the items listed in all pages together, exactly.
    pub total: Option<usize>,
    /// Browsing: the whole list's photos per month, newest first (the
    /// window's timeline); empty for a search.
    pub months: Vec<Month>,
    /// The query had no terms: the library listed newest first, not ranked
    /// (every score is 0).
    pub browsed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_sorts_parse() {
        assert_eq!("keyword".parse::<Mode>(), Ok(Mode::Keyword));
        assert!("fuzzy".parse::<Mode>().is_err());
        assert_eq!("date".parse::<Sort>(), Ok(Sort::Date));
    }
}
