//! A query's filters (`folder:`, `ext:`, `minsize:`, `after:`, `before:`,
//! `camera:`, `type:`, `text:`), ready to apply to hits.

use std::path::{Path, PathBuf};

use super::Hit;
use clipdex_media::days_from_civil;

use super::parse;
use crate::error::{LibraryError, Result};
use crate::state::expand_home;

/// The query's filters, ready to apply to hits.
#[derive(Default)]
pub(crate) struct ItemFilter {
    folders: Vec<PathBuf>,
    exts: Vec<String>,
    min_size: Option<u32>,
    after_ns: Option<i64>,
    before_ns: Option<i64>,
    /// Lower case; a hit's camera must contain one.
    cameras: Vec<String>,
    types: Vec<String>,
    /// Folded words that must all be read in the picture (see `clipdex_ocr::terms`).
    text_words: Vec<String>,
}

/// `YYYY-MM-DD` (already validated by the parser) to nanoseconds at UTC
/// midnight, held to what nanoseconds in an `i64` reach (1677–2262): a date
/// beyond is as far as a date can be, never an overflow.
fn date_ns(s: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0);
    let ns = i128::from(days_from_civil(n(0..4), n(5..7), n(8..10))) * 86_400 * 1_000_000_000;
    ns.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

impl ItemFilter {
    pub fn from_query(filters: &[parse::Filter]) -> Result<Self> {
        let mut f = ItemFilter::default();
        for filter in filters {
            match filter {
                parse::Filter::Folder(p) => f
                    .folders
                    .push(expand_home(Path::new(p)).canonicalize().unwrap_or_else(|_| expand_home(Path::new(p)))),
                parse::Filter::Ext(e) => f.exts.push(e.clone()),
                parse::Filter::MinSize(n) => f.min_size = Some(f.min_size.map_or(*n, |m| m.max(*n))),
                // The EXIF date taken, else the file's modification time.
                parse::Filter::After(d) => f.after_ns = Some(date_ns(d)),
                parse::Filter::Before(d) => f.before_ns = Some(date_ns(d)),
                parse::Filter::Camera(c) => f.cameras.push(c.to_lowercase()),
                parse::Filter::Text(t) => {
                    let words = clipdex_ocr::terms::pieces(t);
                    if words.is_empty() {
                        return Err(LibraryError::BadArgument(format!(
                            "text:{t} has no letters or digits to look for in pictures"
                        )));
                    }
                    f.text_words.extend(words);
                }
                parse::Filter::Type(t) => match t.to_lowercase().as_str() {
                    "photo" | "image" => f.types.push("photo".into()),
                    "gif" => f.types.push("gif".into()),
                    "video" | "movie" => f.types.push("video".into()),
                    other => {
                        return Err(LibraryError::Unsupported(format!(
                            "type:{other}: use type:photo, type:video or type:gif"
                        )))
                    }
                },
            }
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.folders.is_empty()
            && self.exts.is_empty()
            && self.min_size.is_none()
            && self.after_ns.is_none()
            && self.before_ns.is_none()
            && self.cameras.is_empty()
            && self.types.is_empty()
            && self.text_words.is_empty()
    }

    /// The words a `text:` filter asks for (folded).
    pub fn text_words(&self) -> &[String] {
        &self.text_words
    }

    /// The hit with only the paths that pass (`None` if none do).
    pub fn apply(&self, mut hit: Hit) -> Option<Hit> {
        if self.min_size.is_some_and(|n| hit.width < n || hit.height < n) {
            return None;
        }
        let date = hit.date_ns();
        if self.after_ns.is_some_and(|t| date < t) || self.before_ns.is_some_and(|t| date >= t) {
            return None;
        }
        if !self.cameras.is_empty() {
            let camera = hit.details.as_ref().and_then(|d| d.camera.as_deref()).unwrap_or("").to_lowercase();
            if !self.cameras.iter().any(|c| camera.contains(c.as_str())) {
                return None;
            }
        }
        if !self.text_words.is_empty() {
            let terms = hit.details.as_ref().and_then(|d| d.text_terms.as_deref()).unwrap_or("");
            let terms: std::collections::HashSet<&str> = terms.split(' ').collect();
            if !self.text_words.iter().all(|w| terms.contains(w.as_str())) {
                return None;
            }
        }
        hit.paths.retain(|p| {
            let path = Path::new(p);
            (self.folders.is_empty() || self.folders.iter().any(|f| path.starts_with(f)))
                && (self.exts.is_empty()
                    || path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| self.exts.contains(&e.to_ascii_lowercase())))
                && (self.types.is_empty() || self.types.iter().any(|t| t == clipdex_media::media_type(path)))
        });
        hit.path = hit.paths.first()?.clone();
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_midnight() {
        assert_eq!(date_ns("1970-01-01"), 0);
        assert_eq!(date_ns("1970-01-02"), 86_400 * 1_000_000_000);
        // Past what i64 nanoseconds reach: the far ends, not an overflow panic.
        assert_eq!((date_ns("2300-01-01"), date_ns("1600-01-01")), (i64::MAX, i64::MIN));
        assert!(date_ns("2262-01-01") > date_ns("2261-12-31"));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}
